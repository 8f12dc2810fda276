import { describe, expect, it } from "vitest";
import { createSeasonalDemandForecaster, DEFAULT_SEASONAL_DEMAND_OPTIONS, recentPeakRps } from "../../../controller/forecast/demand-forecast.js";

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2024, 2, 5, 12, 0, 0);
const at = (offsetMs: number, rps: number) => ({ atMs: NOW + offsetMs, rps });
const baseline = createSeasonalDemandForecaster();

describe("seasonal demand forecast", () => {
  it("has nothing to say without history", () => {
    expect(baseline.forecast([], NOW, 3)).toEqual([]);
    expect(baseline.forecast([at(5 * MIN, 100)], NOW, 3)).toEqual([]);
    expect(baseline.name).toBe("seasonal-naive-level");
    expect(baseline.stepSeconds).toBe(300);
  });

  it("holds the recent level when there is no yesterday", () => {
    // Mean over the last 30 minutes: (100 + 120 + 140) / 3; the entry 40 minutes back is outside.
    const history = [at(-40 * MIN, 10), at(-10 * MIN, 100), at(-5 * MIN, 120), at(0, 140)];
    expect(baseline.forecast(history, NOW, 3)).toEqual([120, 120, 120]);
  });

  it("takes yesterday's shape scaled by today's level, blended with the level", () => {
    const history = [
      // Yesterday: 50 rps up to this time, then 80 and 100 in the next two steps.
      at(-DAY - 10 * MIN, 50), at(-DAY - 5 * MIN, 50), at(-DAY, 50), at(-DAY + 5 * MIN, 80), at(-DAY + 10 * MIN, 100),
      // Today: twice yesterday's level.
      at(-10 * MIN, 100), at(-5 * MIN, 100), at(0, 100),
    ];
    // Step 1: 0.8 × 80 × 2 + 0.2 × 100 = 148; step 2: 0.8 × 100 × 2 + 20 = 180; step 3: no yesterday, the level.
    expect(baseline.forecast(history, NOW, 3)).toEqual([148, 180, 100]);
    const pure = createSeasonalDemandForecaster({ seasonalWeight: 1 });
    expect(pure.forecast(history, NOW, 2)).toEqual([160, 200]);
  });

  it("matches yesterday's entries within half a step", () => {
    const history = [at(-DAY, 50), at(-DAY + 3 * MIN, 70), at(-DAY + 12.5 * MIN + 1, 999), at(0, 50)];
    // Step 1 (5 min) finds the entry 2 min off; step 2 (10 min) none within 2.5 min: the level.
    expect(createSeasonalDemandForecaster({ seasonalWeight: 1 }).forecast(history, NOW, 2)).toEqual([70, 50]);
  });

  it("clamps the level ratio, and ignores a yesterday without traffic", () => {
    const quiet = [at(-DAY, 10), at(-DAY + 5 * MIN, 20), at(0, 100)];
    // 100 / 10 = 10, clamped to 4: 0.8 × 20 × 4 + 0.2 × 100.
    expect(baseline.forecast(quiet, NOW, 1)).toEqual([84]);
    const empty = [at(-DAY, 0), at(-DAY + 5 * MIN, 20), at(0, 100)];
    expect(baseline.forecast(empty, NOW, 1)).toEqual([100]);
  });

  it("falls back to the newest entry across a gap in the history", () => {
    expect(baseline.forecast([at(-3 * 60 * MIN, 30), at(-2 * 60 * MIN, 70)], NOW, 2)).toEqual([70, 70]);
  });

  it("ignores entries after now: changing them changes nothing", () => {
    const history = [at(-DAY, 50), at(-DAY + 5 * MIN, 80), at(0, 100)];
    const later = [...history, at(1, 1e6), at(5 * MIN, 0)];
    expect(baseline.forecast(later, NOW, 4)).toEqual(baseline.forecast(history, NOW, 4));
  });

  it("refuses bad options and arguments, naming them", () => {
    expect(DEFAULT_SEASONAL_DEMAND_OPTIONS.seasonSeconds).toBe(86_400);
    expect(() => createSeasonalDemandForecaster({ stepSeconds: 0 })).toThrow("demand forecast option 'stepSeconds': expected an integer number of seconds ≥ 1, got 0");
    expect(() => createSeasonalDemandForecaster({ seasonSeconds: 60 })).toThrow("option 'seasonSeconds': expected seconds ≥ stepSeconds, got 60");
    expect(() => createSeasonalDemandForecaster({ levelWindowSeconds: 0 })).toThrow("option 'levelWindowSeconds'");
    expect(() => createSeasonalDemandForecaster({ seasonalWeight: 1.5 })).toThrow("option 'seasonalWeight': expected a number from 0 to 1, got 1.5");
    expect(() => createSeasonalDemandForecaster({ maxLevelRatio: 0.5 })).toThrow("option 'maxLevelRatio': expected a number ≥ 1, got 0.5");
    expect(() => createSeasonalDemandForecaster({ season: 1 } as never)).toThrow("option 'season': unknown option");
    expect(() => baseline.forecast([at(0, -1)], NOW, 1)).toThrow("demand forecast history[0]: expected a time and requests/s ≥ 0, got");
    expect(() => baseline.forecast([at(0, Number.NaN)], NOW, 1)).toThrow("history[0]");
    expect(() => baseline.forecast([], Number.NaN, 1)).toThrow("demand forecast nowMs");
    expect(() => baseline.forecast([], NOW, 1.5)).toThrow("demand forecast horizonSteps");
  });
});

describe("recent peak", () => {
  it("is the largest rate in the window ending now, ignoring what is older or later", () => {
    const history = [at(-7 * 3_600_000, 900), at(-5 * 3_600_000, 300), at(-10 * MIN, 120), at(0, 80), at(5 * MIN, 2_000)];
    expect(recentPeakRps(history, NOW)).toBe(300);
    expect(recentPeakRps(history, NOW, 3_600)).toBe(120);
    expect(recentPeakRps([], NOW)).toBe(0);
  });
});
