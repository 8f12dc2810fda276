import { describe, expect, it } from "vitest";
import { carbonToGPerKwh, demandToRps, pvToWatts, rawRange } from "../../../../bench/simulator/scenario/units.js";

const f = (...v: number[]) => Float64Array.from(v);

describe("units", () => {
  it("carbon: lbs/MWh × 0.453592 is g/kWh; g/kWh and kg/MWh unchanged", () => {
    // 1000 lbs/MWh = 453,592 g per 1000 kWh = 453.592 g/kWh.
    expect([...carbonToGPerKwh(f(1000, 425.5), "lbs/MWh")]).toEqual([453.592, 425.5 * 0.453592]);
    expect([...carbonToGPerKwh(f(133.64), "g/kWh")]).toEqual([133.64]);
    expect([...carbonToGPerKwh(f(133.64), "kg/MWh")]).toEqual([133.64]);
  });

  it("PV: fraction × peak W; W as is; kW × 1000", () => {
    expect([...pvToWatts(f(0, 0.25, 0.9), "fraction", 4000)]).toEqual([0, 1000, 3600]);
    expect([...pvToWatts(f(1500), "W", undefined)]).toEqual([1500]);
    expect([...pvToWatts(f(1.5), "kW", undefined)]).toEqual([1500]);
    expect(() => pvToWatts(f(0.5), "fraction", undefined)).toThrow("needs peak_w");
  });

  it("demand: count per interval ÷ the interval's seconds, then scale or peak_rps", () => {
    // 600 requests in a 5-minute row is 2 requests/s.
    expect(demandToRps(f(600, 300), "count_per_interval", 300, {}).values).toEqual(f(2, 1));
    expect(demandToRps(f(600, 300), "count_per_interval", 300, { scale: 10 }).values).toEqual(f(20, 10));
    // peak_rps: the largest step becomes 500, the others in proportion.
    expect(demandToRps(f(0.2, 0.8, 0.4), "relative", 3600, { peakRps: 500 }).values).toEqual(f(125, 500, 250));
    expect(demandToRps(f(7), "rps", 60, {}).values).toEqual(f(7));
    // Sized by the peak of a longer series (the file's own days): 0.4 of a peak of 0.8.
    expect(demandToRps(f(0.2, 0.4), "relative", 3600, { peakRps: 500 }, f(0.2, 0.4, 0.8)).values).toEqual(f(125, 250));
    expect(demandToRps(f(300), "count_per_interval", 300, { peakRps: 10 }, f(300, 600)).values).toEqual(f(5));
  });

  it("demand: refuses what cannot be sized", () => {
    expect(demandToRps(f(0.2), "relative", 3600, {}).error).toBe("a relative demand trace needs peak_rps or scale");
    expect(demandToRps(f(0, 0), "rps", 60, { peakRps: 10 }).error).toMatch(/0 at every step/);
    expect(demandToRps(f(1), "rps", 60, { peakRps: 10, scale: 2 }).error).toBe("give peak_rps or scale, not both");
  });

  it("raw ranges: never negative, a fraction at most 1", () => {
    expect(rawRange("fraction")).toEqual({ min: 0, max: 1 });
    expect(rawRange("lbs/MWh")).toEqual({ min: 0, max: Infinity });
  });
});
