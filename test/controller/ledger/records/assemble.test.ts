import { describe, expect, it } from "vitest";
import { ChunkAssembler } from "../../../../controller/ledger/records/assemble.js";
import { chunkRecordBytes, CHUNK_DATA_BYTES } from "../../../../controller/ledger/records/chunks.js";
import { MAX_RECORD_BYTES, decodeEntry, encodeRecordEntries, sha256Hex } from "../../../../controller/ledger/records/codec.js";
import type { LedgerRecord, LogEntry, RecordChunk } from "../../../../controller/ledger/records/record.js";
import { bigSnapshot } from "./support.js";

const plain: LedgerRecord = { kind: "config_changed", v: 1, at_ms: 1, config_sha256: "ab".repeat(32), summary: "between" };

function partsOf(record: LedgerRecord): RecordChunk[] {
  return encodeRecordEntries(record).value!.map((e) => decodeEntry(e).value as RecordChunk);
}

/** Feeds entries from index 0; returns the records finished and the first error. */
function feed(entries: readonly LogEntry[]) {
  const a = new ChunkAssembler();
  const records: { kind: string; first: number; entries: number }[] = [];
  for (const [i, e] of entries.entries()) {
    const r = a.push(e, i);
    if (r.error) return { records, error: `${i}: ${r.error.message}` };
    if (r.value) records.push({ kind: r.value.record.kind, first: r.value.first, entries: r.value.entries });
  }
  return { records, error: a.end()?.message };
}

describe("ChunkAssembler", () => {
  const record = bigSnapshot(3);
  const parts = partsOf(record);

  it("puts consecutive parts back into the record, between records stored whole", () => {
    expect(parts.length).toBe(3);
    const a = new ChunkAssembler();
    expect(a.push(plain, 0).value).toEqual({ record: plain, first: 0, entries: 1 });
    expect(a.push(parts[0]!, 1).value).toBeUndefined();
    expect(a.push(parts[1]!, 2).value).toBeUndefined();
    expect(a.end()?.message).toMatch(/set from entry 1 ends after 2 of 3 parts/);
    expect(a.push(parts[2]!, 3).value).toEqual({ record, first: 1, entries: 3 });
    expect(a.end()).toBeUndefined();
    expect(feed([plain, ...parts, plain, ...parts]).records).toEqual([
      { kind: "config_changed", first: 0, entries: 1 }, { kind: "energy_snapshot", first: 1, entries: 3 },
      { kind: "config_changed", first: 4, entries: 1 }, { kind: "energy_snapshot", first: 5, entries: 3 },
    ]);
  });

  const [p0, p1, p2] = parts as [RecordChunk, RecordChunk, RecordChunk];
  const other = partsOf(bigSnapshot(3, 2016, 42));
  const cases: Array<[string, LogEntry[], RegExp]> = [
    ["a missing last part", [p0, p1], /set from entry 0 ends after 2 of 3 parts/],
    ["a missing middle part", [p0, p2], /interrupts the set from entry 0, which needs part 1 of 3/],
    ["parts out of order", [p0, p2, p1], /interrupts/],
    ["a set without its first part", [p1, p2], /^0: .*part 1 of 3 without the parts before it/],
    ["a record between the parts", [p0, plain, p1, p2], /^1: .*missing parts 1..2/],
    ["parts of two records mixed", [p0, other[1]!, p2], /interrupts/],
    ["a part count that changes", [p0, { ...p1, parts: 4 }, p2], /interrupts/],
    ["a digest that does not match the bytes", [p0, p1, p2].map((p) => ({ ...p, record_sha256: "00".repeat(32) })), /do not hash to record_sha256/],
    ["a short middle part", [p0, { ...p1, data: p1.data.slice(0, -4) }, p2], /part 1 of 3 carries 44997 bytes, expected 45000/],
    ["base64 in another spelling", [{ ...p0, data: p0.data.replace(/.$/, (c) => (c === "A" ? "B" : "A")) }, p1, p2], /hash|base64/],
    ["an empty last part", [p0, p1, { ...p2, data: "" }], /carries 0 bytes|base64/],
  ];
  for (const [name, entries, message] of cases) {
    it(`refuses ${name}`, () => {
      expect(feed(entries).error).toMatch(message);
    });
  }

  it("refuses base64 that decodes but is not in canonical form", () => {
    const bytes = new Uint8Array(CHUNK_DATA_BYTES + 1).fill(0x41);
    const [first, last] = chunkRecordBytes(bytes, sha256Hex(bytes)) as [RecordChunk, RecordChunk];
    expect(last.data).toBe("QQ==");
    // "QR==" decodes to the same byte; only "QQ==" is canonical.
    expect(feed([first, { ...last, data: "QR==" }]).error).toMatch(/^1: .*not canonical standard base64/);
  });

  it("refuses a record that fits one entry but was stored in parts, and parts that are not a record", () => {
    // Between one part's worth and one entry's worth: it must be stored whole.
    const fits = new TextEncoder().encode(JSON.stringify({ kind: "config_changed", x: "y".repeat(50_000) }));
    expect(fits.length).toBeGreaterThan(CHUNK_DATA_BYTES);
    expect(fits.length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(feed(chunkRecordBytes(fits, sha256Hex(fits))).error).toMatch(/fit in one entry, so the record must be stored whole/);
    const notRecord = new TextEncoder().encode(JSON.stringify({ kind: "vote", x: "y".repeat(100_000) }));
    expect(feed(chunkRecordBytes(notRecord, sha256Hex(notRecord))).error).toMatch(/record\.kind|discriminator|Invalid/);
  });
});
