// Encoder for filter reports, format 1 (docs/reports.md): the filter has its own (AssemblyScript);
// this one serves tools, tests and the golden vectors both decoders read.
import { crc32 } from "node:zlib";
import { LATENCY_BOUNDS_MS, REPORT_HEADER_SIZE, REPORT_MAGIC, type FilterReport } from "./decode.js";

export function encodeReport(report: FilterReport): Uint8Array {
  const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const bodies = report.entries.map((e) => {
    const service = ascii(e.service);
    const upstream = ascii(e.upstream);
    const out = new Uint8Array(8 + 1 + service.length + 1 + upstream.length + 12 + 4 * LATENCY_BOUNDS_MS.length);
    const view = new DataView(out.buffer);
    let at = 0;
    view.setBigUint64(at, e.tableVersion, true);
    at += 8;
    out[at++] = service.length;
    out.set(service, at);
    at += service.length;
    out[at++] = upstream.length;
    out.set(upstream, at);
    at += upstream.length;
    for (const n of [e.requests, e.responses, e.responses5xx, ...e.latencyBuckets]) {
      view.setUint32(at, n, true);
      at += 4;
    }
    return out;
  });
  const size = REPORT_HEADER_SIZE + bodies.reduce((n, b) => n + b.length, 0) + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(REPORT_MAGIC, 0);
  view.setUint8(4, 1);
  view.setUint16(6, report.entries.length, true);
  view.setBigUint64(8, report.reporter, true);
  view.setBigUint64(16, BigInt(report.windowStartMs), true);
  view.setBigUint64(24, BigInt(report.windowEndMs), true);
  view.setUint32(32, size, true);
  view.setUint16(36, LATENCY_BOUNDS_MS.length, true);
  let at = REPORT_HEADER_SIZE;
  for (const b of bodies) {
    out.set(b, at);
    at += b.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}
