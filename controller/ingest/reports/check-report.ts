// The rules a decoded report must meet before anything it says is used (docs/reports.md, "What
// the controller takes"): a window that fits the controller's clock, table versions the
// controller published, and counts a worker could have made. Stateless; the responses rule,
// which needs what the reporter sent before, is in response-credit.ts.
import { ControllerError } from "../../errors/controller-error.js";
import type { FilterReport } from "./decode.js";
import type { ReportOptions } from "./report-options.js";

/** The tables proxies can be routing by: those this controller published and still keeps. */
export interface KnownTables {
  isKnown(version: bigint): boolean;
}

/** Why a report was refused. Fixed strings: the refusal metric counts them. */
export const REFUSAL_REASONS = ["malformed", "window", "unknown_table_version", "counts", "unbacked_responses"] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  readonly error: ControllerError;
  readonly reason: RefusalReason;
}

type WindowOptions = Pick<ReportOptions, "maxClockSkewMs" | "maxReportAgeMs" | "maxWindowMs" | "maxWorkerRps">;

/** The first rule the report breaks, or null. Checks the window, then each entry in order. */
export function checkReport(report: FilterReport, nowMs: number, tables: KnownTables, options: WindowOptions): Refusal | null {
  const { windowStartMs: start, windowEndMs: end } = report;
  if (end > nowMs + options.maxClockSkewMs) {
    return refuse("window", "window_end_ms", `${end - nowMs} ms ahead of the controller's clock, at most ${options.maxClockSkewMs}`);
  }
  if (end < nowMs - options.maxReportAgeMs - options.maxClockSkewMs) {
    return refuse("window", "window_end_ms", `${nowMs - end} ms ago, at most ${options.maxReportAgeMs + options.maxClockSkewMs}`);
  }
  if (end - start > options.maxWindowMs) {
    return refuse("window", "window_start_ms", `window of ${end - start} ms, at most ${options.maxWindowMs}`);
  }
  // Windows shorter than a second are priced as a second: a tick can follow a delivery closely.
  const maxRequests = options.maxWorkerRps * (Math.max(1_000, end - start) / 1_000);
  let requests = 0;
  for (let i = 0; i < report.entries.length; i++) {
    const e = report.entries[i]!;
    if (!tables.isKnown(e.tableVersion)) {
      return refuse("unknown_table_version", `entries.${i}.table_version`, `table version ${e.tableVersion} was not published by this controller or is no longer kept`);
    }
    if (e.requests === 0 && e.responses === 0) return refuse("counts", `entries.${i}`, "no requests and no responses");
    requests += e.requests;
    if (requests > maxRequests) {
      return refuse("counts", `entries.${i}.requests`, `${requests} requests in a ${end - start} ms window, more than ${options.maxWorkerRps}/s one worker routes`);
    }
  }
  return null;
}

function refuse(reason: RefusalReason, field: string, message: string): Refusal {
  return { reason, error: ControllerError.invalid(`report.${field}`, message) };
}
