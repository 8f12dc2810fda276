// Regenerates the report golden vectors in test/fixtures/reports/ (`npx tsx
// scripts/make-report-fixtures.ts`, after `npm run build:filter`). Valid vectors are reports the
// compiled filter sent in the test host (test/filter/report-vectors.ts), checked against what
// each scenario sent before they are written; `empty` comes from the controller's encoder, since
// the filter sends no report without counts. Each invalid vector is the example broken in exactly
// one way (with length and checksum repaired where the break is past them), so every decoder must
// refuse it naming that one field (docs/reports.md, "Decoding").
import { isDeepStrictEqual } from "node:util";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  HEADER_SIZE, MAX_REPORT_BYTES, decodeReport, encodeReport, reportJson, reseal, type FilterReport,
} from "../test/filter/report-codec.js";
import { REPORT_FIXTURES, SCENARIOS } from "../test/filter/report-vectors.js";

type Vector =
  | { file: string; about: string; expect: "accept"; report: unknown }
  | { file: string; about: string; expect: "reject"; field: string };

const empty: FilterReport = { reporter: 0x0123456789abcdefn, windowStartMs: 1_767_225_600_000, windowEndMs: 1_767_225_610_000, entries: [] };

// Offsets into `example`: one entry, service "checkout.shop.svc" (17), upstream "site-a" (6).
const VERSION = HEADER_SIZE;
const KEY_LEN = VERSION + 8;
const NAME_LEN = KEY_LEN + 1 + 17;
const COUNTS = NAME_LEN + 1 + 6;
const ENTRY_END = COUNTS + 4 * 13;

function edit(example: Uint8Array, change: (b: Uint8Array, v: DataView) => void, resealAfter = true): Uint8Array {
  const bytes = example.slice();
  change(bytes, new DataView(bytes.buffer));
  return resealAfter ? reseal(bytes) : bytes;
}

/** Splices `insert` at `at`, removing `remove` bytes, and reseals. */
function splice(example: Uint8Array, at: number, remove: number, insert: ArrayLike<number>, entries?: number): Uint8Array {
  const out = new Uint8Array(example.length - remove + insert.length);
  out.set(example.subarray(0, at), 0);
  out.set(insert, at);
  out.set(example.subarray(at + remove), at + insert.length);
  if (entries !== undefined) new DataView(out.buffer).setUint16(6, entries, true);
  return reseal(out);
}

function invalid(example: Uint8Array): Array<[string, string, string, Uint8Array]> {
  const u32 = (at: number, n: number) => (_b: Uint8Array, v: DataView) => v.setUint32(at, n, true);
  return [
    ["too-short", "report.length", "43 bytes", example.subarray(0, 43)],
    ["too-large", "report.length", "one byte over 1 MiB", new Uint8Array(MAX_REPORT_BYTES + 1)],
    ["bad-magic", "report.magic", "magic SRR2", edit(example, (b) => { b[3] = 0x32; })],
    ["unsupported-format", "report.format", "format 2", edit(example, (b) => { b[4] = 2; })],
    ["length-mismatch", "report.total_length", "total_length one too many", edit(example, (b, v) => { v.setUint32(32, b.length + 1, true); }, false)],
    ["bad-checksum", "report.crc32", "last checksum byte flipped", edit(example, (b) => { b[b.length - 1]! ^= 0xff; }, false)],
    ["bad-flags", "report.flags", "flags 0x01", edit(example, (b) => { b[5] = 1; })],
    ["bad-entry-count", "report.entry_count", "entry_count 4097", edit(example, (_b, v) => { v.setUint16(6, 4097, true); })],
    ["bad-reporter", "report.reporter", "reporter 0", edit(example, (_b, v) => { v.setBigUint64(8, 0n, true); })],
    ["bad-window", "report.window_end_ms", "window_end_ms before window_start_ms", edit(example, (_b, v) => {
      v.setBigUint64(24, v.getBigUint64(16, true) - 1n, true);
    })],
    ["bad-bucket-count", "report.bucket_count", "bucket_count 9", edit(example, (_b, v) => { v.setUint16(36, 9, true); })],
    ["bad-reserved", "report.reserved", "reserved bytes set", edit(example, (b) => { b[39] = 1; })],
    ["truncated", "report.entries.1.table_version", "entry_count says 2, one present", edit(example, (_b, v) => { v.setUint16(6, 2, true); })],
    ["truncated-name", "report.entries.0.upstream", "the upstream name's length runs past the end", edit(example, (b) => { b[NAME_LEN] = 200; })],
    ["truncated-counts", "report.entries.0.counts", "the last bucket cut off", splice(example, ENTRY_END - 4, 4, [])],
    ["bad-table-version", "report.entries.0.table_version", "table_version 0", edit(example, (_b, v) => { v.setBigUint64(VERSION, 0n, true); })],
    ["bad-service-key-empty", "report.entries.0.service", "key length 0", splice(example, KEY_LEN, 18, [0])],
    ["bad-service-key-upper", "report.entries.0.service", "upper-case key byte", edit(example, (b) => { b[KEY_LEN + 1] = 0x43; })],
    ["bad-upstream-name-char", "report.entries.0.upstream", "a space in the name", edit(example, (b) => { b[NAME_LEN + 1] = 0x20; })],
    ["bad-upstream-name-long", "report.entries.0.upstream", "name length 65", splice(example, NAME_LEN, 7, [65, ...new Array<number>(65).fill(0x61)])],
    ["duplicate-entry", "report.entries.1", "the same entry twice", splice(example, ENTRY_END, 0, example.subarray(VERSION, ENTRY_END), 2)],
    ["bad-counts-5xx", "report.entries.0.responses_5xx", "responses_5xx above responses", edit(example, u32(COUNTS + 8, 4))],
    ["bad-counts-buckets", "report.entries.0.latency_buckets", "buckets sum past responses", edit(example, u32(COUNTS + 12, 2))],
    ["bad-counts-wrap", "report.entries.0.latency_buckets", "buckets that sum to responses only modulo 2^32", edit(example, (_b, v) => {
      v.setUint32(COUNTS + 12, 0xffff_ffff, true);
      v.setUint32(COUNTS + 16, 2, true);
    })],
    ["trailing-bytes", "report.entries", "one byte after the last entry", splice(example, ENTRY_END, 0, [0])],
  ];
}

async function main(): Promise<void> {
  mkdirSync(REPORT_FIXTURES, { recursive: true });
  for (const f of readdirSync(REPORT_FIXTURES)) if (f.endsWith(".bin") || f === "vectors.json") rmSync(join(REPORT_FIXTURES, f));
  const vectors: Vector[] = [];
  let example: Uint8Array | null = null;
  for (const scenario of SCENARIOS) {
    const { bytes, expected } = await scenario.run();
    if (!isDeepStrictEqual(decodeReport(bytes).value, expected)) {
      throw new Error(`${scenario.name}: the filter's report does not hold what the scenario sent`);
    }
    const file = `${scenario.name}.bin`;
    writeFileSync(join(REPORT_FIXTURES, file), bytes);
    vectors.push({ file, about: scenario.about, expect: "accept", report: reportJson(expected) });
    if (scenario.name === "example") example = bytes;
  }
  writeFileSync(join(REPORT_FIXTURES, "empty.bin"), encodeReport(empty));
  vectors.push({ file: "empty.bin", about: "no entries (the filter sends none such, a decoder accepts it)", expect: "accept", report: reportJson(empty) });
  for (const [name, field, about, bytes] of invalid(example!)) {
    const { error } = decodeReport(bytes);
    if (error?.field !== field) throw new Error(`reject-${name}: expected the decoder to name ${field}, got ${error?.field}`);
    const file = `reject-${name}.bin`;
    writeFileSync(join(REPORT_FIXTURES, file), bytes);
    vectors.push({ file, about, expect: "reject", field });
  }
  writeFileSync(join(REPORT_FIXTURES, "vectors.json"), JSON.stringify(vectors, null, 2) + "\n");
  console.log(`wrote ${vectors.length} vectors to ${REPORT_FIXTURES}`);
}

await main();
