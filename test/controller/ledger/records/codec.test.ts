import { describe, expect, it } from "vitest";
import { MAX_RECORD_BYTES, decodeEntry, decodeRecord, encodeRecord, encodeRecordEntries, sha256Hex } from "../../../../controller/ledger/records/codec.js";
import { CHUNK_DATA_BYTES } from "../../../../controller/ledger/records/chunks.js";
import { MAX_ENTRY_BYTES } from "../../../../controller/ledger/log/bundle.js";
import { bigSnapshot } from "./support.js";
import type { LedgerRecord } from "../../../../controller/ledger/records/record.js";
import { TableFeed } from "../../../../controller/delivery/table-feed.js";

const HASH = "ab".repeat(32);

const snapshot: LedgerRecord = {
  kind: "energy_snapshot", v: 1, at_ms: 1_767_225_600_000,
  sites: [{ site: "berlin", health: "healthy", pv_watts: 1234.5, battery_soc_percent: 80, grid_carbon_g_per_kwh: 380,
    load_rps: 120, latency_p95_ms: 25, pv_forecast_watts: [1300, 1400] }],
};

describe("ledger records", () => {
  it("encode canonically: key order and number form do not depend on the input", () => {
    const a = encodeRecord(snapshot).value!;
    const shuffled = JSON.parse(JSON.stringify(snapshot), (_k, v: unknown) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v) as LedgerRecord;
    expect(encodeRecord(shuffled).value).toEqual(a);
    expect(new TextDecoder().decode(a)).toMatch(/^\{"at_ms":1767225600000,"kind":"energy_snapshot","sites":\[\{"battery_soc_percent":80,/);
    expect(decodeRecord(a).value).toEqual(snapshot);
  });

  it("link a published table to its exact bytes and its inputs", () => {
    const published = new TableFeed(60_000, () => 1_767_225_600_000).prepare([
      { key: "shop.example.com", upstreams: [{ name: "site-ber", weight: 10_000, canaryWeight: 0, draining: false }] },
    ]);
    const inputs = sha256Hex(encodeRecord(snapshot).value!);
    const record: LedgerRecord = {
      kind: "table_published", v: 1, table_version: published.version.toString(), issued_at_ms: Number(published.issuedAtMs),
      ttl_ms: 60_000, table_sha256: sha256Hex(published.bytes), inputs_sha256: inputs, model: { id: "baseline-1", sha256: null },
      services: [{ key: "shop.example.com", upstreams: [{ name: "site-ber", weight: 10_000, draining: false }] }],
    };
    const bytes = encodeRecord(record).value!;
    expect(decodeRecord(bytes).value).toMatchObject({ table_sha256: sha256Hex(published.bytes), inputs_sha256: inputs });
  });

  const bad: Array<[string, unknown, string]> = [
    ["unknown kind", { kind: "vote", v: 1 }, "record.kind"],
    ["wrong version", { ...snapshot, v: 2 }, "record.v"],
    ["NaN power", { ...snapshot, sites: [{ ...(snapshot as { sites: object[] }).sites[0], pv_watts: Number.NaN }] }, "record.sites.0.pv_watts"],
    ["negative power", { ...snapshot, sites: [{ ...(snapshot as { sites: object[] }).sites[0], pv_watts: -1 }] }, "record.sites.0.pv_watts"],
    ["bad digest", { kind: "config_changed", v: 1, at_ms: 1, config_sha256: "XYZ", summary: "" }, "record.config_sha256"],
    ["extra field", { ...snapshot, extra: 1 }, "record"],
    ["unknown fallback reason", { kind: "table_published", v: 1, table_version: "1", issued_at_ms: 1, ttl_ms: 1,
      table_sha256: "0".repeat(64), inputs_sha256: "0".repeat(64), model: { id: "m", sha256: null },
      planner: { name: "greedy", fallback_reason: "slow" }, services: [] }, "record.planner.fallback_reason"],
    ["u64 out of range", { kind: "report_summary", v: 1, window_start_ms: 0, window_end_ms: 1, reporters: 1,
      entries: [{ table_version: "18446744073709551616", service: "a", upstream: "b", requests: 1, responses_5xx: 0 }] },
      "record.entries.0.table_version"],
  ];
  for (const [name, record, field] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      const { error } = encodeRecord(record as LedgerRecord);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe(field);
    });
  }

  it("refuses records past 65,535 encoded bytes", () => {
    const big: LedgerRecord = { kind: "config_changed", v: 1, at_ms: 1, config_sha256: HASH, summary: "x" };
    const sites = Array.from({ length: 400 }, (_, i) => ({ ...(snapshot as { sites: object[] }).sites[0], site: `site-${i}`,
      pv_forecast_watts: Array.from({ length: 30 }, () => 123456.789) }));
    const { error } = encodeRecord({ ...snapshot, sites } as LedgerRecord);
    expect(error?.message).toMatch(new RegExp(`at most ${MAX_RECORD_BYTES}`));
    expect(encodeRecord(big).value).toBeDefined();
  });

  it("decodes only the canonical form of valid records", () => {
    const canonical = encodeRecord(snapshot).value!;
    const spaced = new TextEncoder().encode(JSON.stringify(snapshot, null, 1));
    expect(decodeRecord(spaced).error?.message).toMatch(/canonical/);
    expect(decodeRecord(Uint8Array.of(0xff, 0xfe)).error?.message).toMatch(/UTF-8/);
    expect(decodeRecord(canonical).value).toEqual(snapshot);
  });

  it("encodeRecordEntries gives one entry, the canonical bytes, when the record fits", () => {
    expect(encodeRecordEntries(snapshot).value).toEqual([encodeRecord(snapshot).value]);
    expect(encodeRecordEntries({ ...snapshot, v: 2 } as unknown as LedgerRecord).error?.field).toBe("record.v");
  });

  it("encodeRecordEntries splits a larger record into record_chunk parts that each fit an entry", () => {
    // 50 sites with a week of 5-minute forecasts: well over 1 MB of canonical JSON.
    const record = bigSnapshot(50);
    const whole = new TextEncoder().encode(JSON.stringify(decodeRecordShape(record)));
    const entries = encodeRecordEntries(record).value!;
    const parts = entries.map((e) => decodeEntry(e).value!);
    expect(encodeRecord(record).error?.message).toMatch(/encodeRecordEntries/);
    expect(entries.length).toBe(Math.ceil(whole.length / CHUNK_DATA_BYTES));
    expect(entries.length).toBeGreaterThan(20);
    for (const [i, e] of entries.entries()) {
      expect(e.length).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
      expect(parts[i]).toMatchObject({ kind: "record_chunk", v: 1, part: i, parts: entries.length, record_sha256: sha256Hex(whole) });
      // Each part is itself a canonical entry, and not a record.
      expect(decodeRecord(e).error).toBeDefined();
    }
    const data = Buffer.concat(parts.map((p) => Buffer.from((p as { data: string }).data, "base64")));
    expect(data.equals(Buffer.from(whole))).toBe(true);
    // The same record always makes the same entries.
    const again = encodeRecordEntries(bigSnapshot(50)).value!;
    expect(again.length).toBe(entries.length);
    again.forEach((e, i) => expect(Buffer.from(e).equals(Buffer.from(entries[i]!)), `part ${i}`).toBe(true));
  });
});

/** The record as its canonical JSON orders it (keys sorted), for computing the expected bytes. */
function decodeRecordShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeRecordShape);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, decodeRecordShape((value as Record<string, unknown>)[k])]));
  }
  return value;
}
