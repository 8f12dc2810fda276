import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeReport, type FilterReport } from "../../../../controller/ingest/reports/decode.js";
import { encodeReport } from "../../../../controller/ingest/reports/encode.js";
import { prng } from "../../../support/table-mutations.js";

const report: FilterReport = {
  reporter: 0xfeedn,
  windowStartMs: 1_767_225_600_000,
  windowEndMs: 1_767_225_610_000,
  entries: [
    { tableVersion: 5n, service: "shop.example.com", upstream: "site-a", requests: 100, responses: 98, responses5xx: 2,
      latencyBuckets: [10, 20, 30, 30, 8, 0, 0, 0, 0, 0] },
    { tableVersion: 6n, service: "shop.example.com", upstream: "site-a", requests: 3, responses: 0, responses5xx: 0,
      latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
  ],
};

function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  view.setUint32(32, bytes.length, true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

describe("filter report decoding", () => {
  it("round-trips", () => {
    expect(decodeReport(encodeReport(report)).value).toEqual(report);
    expect(decodeReport(encodeReport({ ...report, entries: [] })).value?.entries).toEqual([]);
  });

  const cases: Array<[string, (b: Uint8Array, v: DataView) => void, string, boolean]> = [
    ["bad magic", (b) => { b[0] = 0; }, "report.magic", false],
    ["bad format", (b) => { b[4] = 2; }, "report.format", false],
    ["wrong length", (_b, v) => { v.setUint32(32, 1, true); }, "report.total_length", false],
    ["bad checksum", (b) => { b[50]! ^= 1; }, "report.crc32", false],
    ["zero reporter", (_b, v) => { v.setBigUint64(8, 0n, true); }, "report.reporter", true],
    ["window backwards", (_b, v) => { v.setBigUint64(24, 0n, true); }, "report.window_end_ms", true],
    ["bucket count", (_b, v) => { v.setUint16(36, 9, true); }, "report.bucket_count", true],
    ["5xx above responses", (_b, v) => { v.setUint32(40 + 8 + 17 + 7 + 8, 99, true); }, "report.entries.0.responses_5xx", true],
    ["buckets not summing", (_b, v) => { v.setUint32(40 + 8 + 17 + 7 + 12, 11, true); }, "report.entries.0.latency_buckets", true],
    ["upper-case service", (b) => { b[40 + 9] = 0x53; }, "report.entries.0.service", true],
    ["entry count too high", (_b, v) => { v.setUint16(6, 3, true); }, "report.entries.2.table_version", true],
  ];
  for (const [name, edit, field, resealAfter] of cases) {
    it(`refuses ${name}, naming ${field}`, () => {
      const bytes = encodeReport(report).slice();
      edit(bytes, new DataView(bytes.buffer));
      const { error } = decodeReport(resealAfter ? reseal(bytes) : bytes);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe(field);
    });
  }

  it("refuses a repeated (version, service, upstream)", () => {
    const { error } = decodeReport(encodeReport({ ...report, entries: [report.entries[0]!, report.entries[0]!] }));
    expect(error?.field).toBe("report.entries.1");
  });

  it("never throws on mutated input", () => {
    const rand = prng(7);
    const base = encodeReport(report);
    for (let i = 0; i < 20_000; i++) {
      const bytes = base.slice(0, rand(base.length + 1));
      for (let k = 0; k < 3; k++) if (bytes.length > 0) bytes[rand(bytes.length)] = rand(256);
      const result = decodeReport(rand(2) ? reseal(bytes.length >= 44 ? bytes : base.slice()) : bytes);
      expect(result.value !== undefined || result.error !== undefined).toBe(true);
    }
  });
});
