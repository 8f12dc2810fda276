// Decoder for filter reports, format 1 (docs/reports.md). Reports are untrusted input: every
// field is checked, and a report is accepted whole or refused with the first problem.
import { crc32 } from "node:zlib";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { isKeyByte, isNameByte } from "../../table/format.js";

export const REPORT_MAGIC = Uint8Array.of(0x53, 0x52, 0x52, 0x31); // "SRR1"
export const REPORT_CONTENT_TYPE = "application/vnd.solar-router.report";
export const REPORT_HEADER_SIZE = 40;
export const MAX_REPORT_BYTES = 1 << 20;
export const MAX_REPORT_ENTRIES = 4096;
/** Upper bounds of the latency buckets, in ms; the last bucket is everything above 2500. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, Number.POSITIVE_INFINITY] as const;

export interface ReportEntry {
  tableVersion: bigint;
  service: string;
  upstream: string;
  requests: number;
  responses: number;
  responses5xx: number;
  latencyBuckets: number[];
}

export interface FilterReport {
  reporter: bigint;
  windowStartMs: number;
  windowEndMs: number;
  entries: ReportEntry[];
}

const ASCII = new TextDecoder("latin1");

class Refused extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export function decodeReport(bytes: Uint8Array): Parsed<FilterReport> {
  try {
    return { value: decode(bytes) };
  } catch (e) {
    if (e instanceof Refused) return { error: ControllerError.invalid(`report.${e.field}`, e.message) };
    throw e;
  }
}

function decode(bytes: Uint8Array): FilterReport {
  const len = bytes.length;
  if (len < REPORT_HEADER_SIZE + 4) throw new Refused("length", `${len} bytes, need at least ${REPORT_HEADER_SIZE + 4}`);
  if (len > MAX_REPORT_BYTES) throw new Refused("length", `${len} bytes, at most ${MAX_REPORT_BYTES}`);
  if (!REPORT_MAGIC.every((b, i) => bytes[i] === b)) throw new Refused("magic", "not a filter report (magic is not SRR1)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  if (view.getUint8(4) !== 1) throw new Refused("format", `format ${view.getUint8(4)}, expected 1`);
  if (view.getUint32(32, true) !== len) throw new Refused("total_length", `says ${view.getUint32(32, true)}, got ${len} bytes`);
  const end = len - 4;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) throw new Refused("crc32", "checksum mismatch");
  if (view.getUint8(5) !== 0) throw new Refused("flags", "expected 0");
  const count = view.getUint16(6, true);
  if (count > MAX_REPORT_ENTRIES) throw new Refused("entry_count", `${count}, at most ${MAX_REPORT_ENTRIES}`);
  const reporter = view.getBigUint64(8, true);
  if (reporter === 0n) throw new Refused("reporter", "expected a non-zero id");
  const windowStartMs = Number(view.getBigUint64(16, true));
  const windowEndMs = Number(view.getBigUint64(24, true));
  if (windowEndMs < windowStartMs) throw new Refused("window_end_ms", "before window_start_ms");
  if (view.getUint16(36, true) !== LATENCY_BOUNDS_MS.length) throw new Refused("bucket_count", `expected ${LATENCY_BOUNDS_MS.length}`);
  if (view.getUint16(38, true) !== 0) throw new Refused("reserved", "expected 0");

  let at = REPORT_HEADER_SIZE;
  const need = (n: number, field: string): void => {
    if (at + n > end) throw new Refused(field, "runs past the end of the report");
  };
  const text = (i: number, field: string, max: number, ok: (b: number) => boolean): string => {
    need(1, `entries.${i}.${field}`);
    const n = bytes[at++]!;
    need(n, `entries.${i}.${field}`);
    if (n < 1 || n > max) throw new Refused(`entries.${i}.${field}`, "bad length or character");
    for (let k = at; k < at + n; k++) if (!ok(bytes[k]!)) throw new Refused(`entries.${i}.${field}`, "bad length or character");
    at += n;
    // Checked ASCII above, so any ASCII-compatible decoding gives the same string.
    return ASCII.decode(bytes.subarray(at - n, at));
  };
  const seen = new Set<string>();
  const entries: ReportEntry[] = [];
  for (let i = 0; i < count; i++) {
    need(8, `entries.${i}.table_version`);
    const tableVersion = view.getBigUint64(at, true);
    at += 8;
    if (tableVersion === 0n) throw new Refused(`entries.${i}.table_version`, "expected ≥ 1");
    const service = text(i, "service", 253, isKeyByte);
    const upstream = text(i, "upstream", 64, isNameByte);
    need(12 + 4 * LATENCY_BOUNDS_MS.length, `entries.${i}.counts`);
    const requests = view.getUint32(at, true);
    const responses = view.getUint32(at + 4, true);
    const responses5xx = view.getUint32(at + 8, true);
    at += 12;
    const latencyBuckets = LATENCY_BOUNDS_MS.map((_, b) => view.getUint32(at + 4 * b, true));
    at += 4 * LATENCY_BOUNDS_MS.length;
    if (responses5xx > responses) throw new Refused(`entries.${i}.responses_5xx`, "more than responses");
    if (latencyBuckets.reduce((a, b) => a + b, 0) !== responses) throw new Refused(`entries.${i}.latency_buckets`, "do not sum to responses");
    const key = `${tableVersion}/${service}/${upstream}`;
    if (seen.has(key)) throw new Refused(`entries.${i}`, `repeats ${key}`);
    seen.add(key);
    entries.push({ tableVersion, service, upstream, requests, responses, responses5xx, latencyBuckets });
  }
  if (at !== end) throw new Refused("entries", `${end - at} bytes after the last entry`);
  return { reporter, windowStartMs, windowEndMs, entries };
}
