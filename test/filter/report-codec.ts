// Reading the filter's reports in tests and in the fixture generator: through the controller's
// decoder (controller/ingest/reports/decode.ts), so the filter's bytes are checked by the code that takes
// them in production, plus the few helpers tests need around it.
import { crc32 } from "node:zlib";
import { LATENCY_BOUNDS_MS, decodeReport, type FilterReport, type ReportEntry } from "../../controller/ingest/reports/decode.js";

export { MAX_REPORT_BYTES, MAX_REPORT_ENTRIES, decodeReport } from "../../controller/ingest/reports/decode.js";
export { encodeReport } from "../../controller/ingest/reports/encode.js";
export type { FilterReport, ReportEntry };

export const HEADER_SIZE = 40;
export const CHECKSUM_SIZE = 4;
export const BUCKET_COUNT = LATENCY_BOUNDS_MS.length;

/** Decodes a report the filter sent; throws naming the field the decoder refused. */
export function readReport(bytes: Uint8Array): FilterReport {
  const { value, error } = decodeReport(bytes);
  if (error !== undefined) throw new Error(`the controller's decoder refuses the filter's report: ${error.message}`);
  return value;
}

/** The bucket a latency falls into (ms; the bounds are inclusive). */
export function bucketOf(latencyMs: number): number {
  return LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
}

/** Fixes total_length and the checksum after an edit. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(32, bytes.length, true);
  view.setUint32(bytes.length - CHECKSUM_SIZE, crc32(bytes.subarray(0, bytes.length - CHECKSUM_SIZE)), true);
  return bytes;
}

type ReportJson = Omit<FilterReport, "reporter" | "entries"> & {
  reporter: string;
  entries: Array<Omit<ReportEntry, "tableVersion"> & { tableVersion: string }>;
};

/** The JSON form vectors.json holds (u64s as decimal strings). */
export function reportJson(report: FilterReport): ReportJson {
  return {
    ...report,
    reporter: report.reporter.toString(),
    entries: report.entries.map((e) => ({ ...e, tableVersion: e.tableVersion.toString() })),
  };
}

export function reportFromJson(json: ReportJson): FilterReport {
  return {
    ...json,
    reporter: BigInt(json.reporter),
    entries: json.entries.map((e) => ({ ...e, tableVersion: BigInt(e.tableVersion) })),
  };
}
