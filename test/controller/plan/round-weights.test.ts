import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundToTotal, weightsFromShares } from "../../../controller/plan/round-weights.js";

describe("roundToTotal", () => {
  it("gives the spare units to the largest fractional parts, lower index on ties", () => {
    expect(roundToTotal([3333.33, 3333.33, 3333.34], 10_000)).toEqual([3333, 3333, 3334]);
    expect(roundToTotal([2.5, 2.5, 5], 10)).toEqual([3, 2, 5]);
    expect(roundToTotal([1 / 3, 1 / 3, 1 / 3], 1)).toEqual([1, 0, 0]);
  });

  it("never gives a unit to a value of 0", () => {
    expect(roundToTotal([0, 4.4, 5.6], 10)).toEqual([0, 4, 6]);
    expect(roundToTotal([0, 0.2, 0.2], 2)).toEqual([0, 1, 1]);
  });

  it("absorbs floating-point error in either direction", () => {
    expect(roundToTotal([0.1 * 3 * 10_000, 0.7 * 10_000], 10_000)).toEqual([3000, 7000]);
    expect(roundToTotal([5000.0000001, 5000.0000001], 10_000)).toEqual([5000, 5000]);
  });

  it("sums exactly to the total and stays within one unit of each value", () => {
    const raws = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64 });
    fc.assert(fc.property(raws, fc.integer({ min: 1, max: 1_000_000 }), (raw, total) => {
      const sum = raw.reduce((a, b) => a + b, 0);
      fc.pre(sum > 0);
      const values = raw.map((v) => (v / sum) * total);
      const out = roundToTotal(values, total);
      expect(out.reduce((a, b) => a + b, 0)).toBe(total);
      out.forEach((w, i) => {
        expect(Number.isInteger(w) && w >= 0).toBe(true);
        expect(Math.abs(w - values[i]!)).toBeLessThan(1 + 1e-6);
      });
    }));
  });
});

describe("weightsFromShares", () => {
  it("places shares on the eligible upstreams in order and 0 elsewhere", () => {
    expect(weightsFromShares([0.25, 0.75], [false, true, true], 10_000)).toEqual([0, 2500, 7500]);
  });

  it("gives all zeros when no upstream is eligible", () => {
    expect(weightsFromShares([], [false, false], 10_000)).toEqual([0, 0]);
  });
});
