import { describe, expect, it } from "vitest";
import { ReportBudget } from "../../../../controller/ingest/reports/report-budget.js";
import { DEFAULT_REPORT_OPTIONS } from "../../../../controller/ingest/reports/report-options.js";

const T0 = 1_000_000;
const options = { budgetBytesPerSecond: 1_000, budgetBurstBytes: 5_000, minChargeBytes: 100 };

describe("report budget", () => {
  it("lets reports in up to the burst, then at the sustained rate, charging each at least the minimum", () => {
    const budget = new ReportBudget(options, T0);
    expect(budget.available(T0)).toBe(5_000);
    budget.charge(10, T0);
    expect(budget.available(T0)).toBe(4_900);
    budget.charge(4_750, T0);
    expect(budget.admit(T0)).toEqual({ ok: true });
    budget.charge(100, T0);
    // 50 bytes left: under the minimum charge, so the next report waits.
    expect(budget.admit(T0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(budget.admit(T0 + 49)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(budget.admit(T0 + 50)).toEqual({ ok: true });
  });

  it("lets a large report go into debt and says how long the debt takes to pay off", () => {
    const budget = new ReportBudget(options, T0);
    budget.charge(1 << 20, T0);
    expect(budget.available(T0)).toBe(5_000 - (1 << 20));
    // 1,043,576 bytes of debt + 100 for the next report at 1,000 bytes/s.
    expect(budget.admit(T0)).toEqual({ ok: false, retryAfterSeconds: 1_044 });
    expect(budget.admit(T0 + 1_043_676)).toEqual({ ok: true });
  });

  it("refills no more than the burst, and nothing when the clock steps back", () => {
    const budget = new ReportBudget(options, T0);
    budget.charge(3_000, T0);
    expect(budget.available(T0 + 3_600_000)).toBe(5_000);
    budget.charge(3_000, T0 + 3_600_000);
    expect(budget.available(T0)).toBe(2_000);
    expect(budget.available(T0 + 3_601_000)).toBe(3_000);
  });

  it("by default takes 1,000 proxies × 2 workers sending a 12 KiB report every 10 s", () => {
    const budget = new ReportBudget(DEFAULT_REPORT_OPTIONS, T0);
    let refused = 0;
    // 200 reports/s, evenly spread, for a minute.
    for (let i = 0; i < 12_000; i++) {
      const now = T0 + i * 5;
      if (budget.admit(now).ok) budget.charge(12 * 1024, now);
      else refused++;
    }
    expect(refused).toBe(0);
  });
});
