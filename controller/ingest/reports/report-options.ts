// Report intake options: exported defaults, overridden by name, validated once when the intake is
// made; an error names the option. Every rule they set is described in docs/reports.md.
import { ControllerError } from "../../errors/controller-error.js";

export interface ReportOptions {
  /** How far ahead of the controller's clock a report's window may end (proxy clock skew). */
  readonly maxClockSkewMs: number;
  /** How long after it was encoded a report may arrive: the filter's interval and call timeout cap at 600 s. */
  readonly maxReportAgeMs: number;
  /** Longest counting window: counts kept across failed reports for longer are refused. */
  readonly maxWindowMs: number;
  /** Most requests/s one worker can have routed over a report's window (all entries together). */
  readonly maxWorkerRps: number;
  /** Another controller process may still take reports for this long after this one starts. */
  readonly takeoverGraceMs: number;
  /** A reporter not heard from for this long is forgotten (its workers report every ≤ 600 s). */
  readonly creditTtlMs: number;
  /** Reporters whose requests without a response are kept; the least recently seen go first. */
  readonly maxReporters: number;
  /** (reporter, table version, service, upstream) counts kept, all reporters together. */
  readonly maxCreditEntries: number;
  /** Sustained report intake, in body bytes per second (each report costs at least minChargeBytes). */
  readonly budgetBytesPerSecond: number;
  /** Bytes that may arrive at once above the sustained rate. */
  readonly budgetBurstBytes: number;
  /** What a report costs at the least, for the work every request makes whatever its size. */
  readonly minChargeBytes: number;
  /** Observations cover this sliding window. */
  readonly windowMs: number;
  /** Time buckets the window is kept in, per site: the memory of observations does not grow with reports. */
  readonly bucketCount: number;
  /** Fewer responses than this in the window is no latency or error evidence: p95 and error rate read 0. */
  readonly minLatencyResponses: number;
}

/**
 * Sized for 1,000 proxies × 2 workers reporting every 10 s: 200 reports/s; a report of 120
 * entries (20 services × 3 upstreams × 2 tables, ~100 bytes each) is ~12 KiB, so ~2.4 MiB/s.
 * 4 MiB/s leaves room for that; a flood beyond it gets 429 and the filters resend later.
 */
export const DEFAULT_REPORT_OPTIONS: ReportOptions = Object.freeze({
  maxClockSkewMs: 30_000,
  maxReportAgeMs: 600_000,
  maxWindowMs: 86_400_000,
  maxWorkerRps: 100_000,
  takeoverGraceMs: 60_000,
  creditTtlMs: 900_000,
  maxReporters: 16_384,
  maxCreditEntries: 262_144,
  budgetBytesPerSecond: 4 << 20,
  budgetBurstBytes: 8 << 20,
  minChargeBytes: 2_048,
  windowMs: 60_000,
  bucketCount: 12,
  minLatencyResponses: 50,
});

/** The defaults with `overrides` applied, checked; throws ControllerError naming the first bad option. */
export function resolveReportOptions(overrides: Partial<ReportOptions> = {}): ReportOptions {
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_REPORT_OPTIONS)) throw ControllerError.invalid(name, "unknown report option");
  }
  const o: ReportOptions = { ...DEFAULT_REPORT_OPTIONS, ...overrides };
  for (const name of Object.keys(DEFAULT_REPORT_OPTIONS) as Array<keyof ReportOptions>) {
    const v = o[name];
    if (!Number.isSafeInteger(v) || v < 0) throw ControllerError.invalid(name, `must be an integer ≥ 0, got ${String(v)}`);
  }
  for (const name of ["maxWindowMs", "maxWorkerRps", "creditTtlMs", "budgetBytesPerSecond", "budgetBurstBytes", "windowMs", "bucketCount"] as const) {
    if (o[name] === 0) throw ControllerError.invalid(name, "must be above 0");
  }
  if (o.bucketCount > 1_000) throw ControllerError.invalid("bucketCount", `must be at most 1000, got ${o.bucketCount}`);
  if (o.windowMs % o.bucketCount !== 0) {
    throw ControllerError.invalid("windowMs", `must be a multiple of bucketCount (${o.bucketCount}), got ${o.windowMs}`);
  }
  if (o.minChargeBytes > o.budgetBurstBytes) {
    throw ControllerError.invalid("minChargeBytes", `must be at most budgetBurstBytes (${o.budgetBurstBytes}), got ${o.minChargeBytes}`);
  }
  return Object.freeze(o);
}
