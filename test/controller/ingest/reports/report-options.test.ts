import { describe, expect, it } from "vitest";
import { ControllerError } from "../../../../controller/errors/controller-error.js";
import { DEFAULT_REPORT_OPTIONS, resolveReportOptions } from "../../../../controller/ingest/reports/report-options.js";

describe("report options", () => {
  it("start from the exported defaults", () => {
    expect(resolveReportOptions()).toEqual(DEFAULT_REPORT_OPTIONS);
    expect(resolveReportOptions({ maxClockSkewMs: 5_000 })).toEqual({ ...DEFAULT_REPORT_OPTIONS, maxClockSkewMs: 5_000 });
    expect(Object.isFrozen(DEFAULT_REPORT_OPTIONS)).toBe(true);
    expect(DEFAULT_REPORT_OPTIONS).toMatchObject({ minLatencyResponses: 50, windowMs: 60_000, bucketCount: 12, budgetBytesPerSecond: 4 * 1024 * 1024 });
  });

  const bad: Array<[Record<string, unknown>, string]> = [
    [{ maxClockSkewMs: -1 }, "maxClockSkewMs: must be an integer ≥ 0, got -1"],
    [{ maxWindowMs: Number.NaN }, "maxWindowMs: must be an integer ≥ 0, got NaN"],
    [{ maxWorkerRps: 0 }, "maxWorkerRps: must be above 0"],
    [{ budgetBytesPerSecond: "fast" }, "budgetBytesPerSecond: must be an integer ≥ 0, got fast"],
    [{ bucketCount: 1_001 }, "bucketCount: must be at most 1000, got 1001"],
    [{ windowMs: 1_000, bucketCount: 3 }, "windowMs: must be a multiple of bucketCount (3), got 1000"],
    [{ minChargeBytes: 9 << 20 }, "minChargeBytes: must be at most budgetBurstBytes (8388608), got 9437184"],
    [{ maxReporter: 3 }, "maxReporter: unknown report option"],
  ];
  it("name whichever option is bad", () => {
    for (const name of Object.keys(DEFAULT_REPORT_OPTIONS)) {
      expect(() => resolveReportOptions({ [name]: -1 })).toThrow(`${name}: must be an integer ≥ 0, got -1`);
      expect(() => resolveReportOptions({ [name]: 0.5 })).toThrow(`${name}: must be an integer ≥ 0, got 0.5`);
    }
    // Zero is a valid setting where it means "none": no skew, no grace, no minimum.
    for (const name of ["maxClockSkewMs", "takeoverGraceMs", "minChargeBytes", "minLatencyResponses"] as const) {
      expect(resolveReportOptions({ [name]: 0 })[name]).toBe(0);
    }
  });

  for (const [overrides, message] of bad) {
    it(`refuse ${JSON.stringify(overrides)}, naming the option`, () => {
      expect(() => resolveReportOptions(overrides as never)).toThrow(ControllerError);
      expect(() => resolveReportOptions(overrides as never)).toThrow(message);
    });
  }
});
