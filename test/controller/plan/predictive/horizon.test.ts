import { describe, expect, it } from "vitest";
import { oneWayEfficiency, periodLengths, periodMaxima, periodMeans, series } from "../../../../controller/plan/predictive/horizon.js";

describe("horizon", () => {
  it("reads now, then the forecast, then holds its last value", () => {
    expect(Array.from(series(5, [6, 7], 5))).toEqual([5, 6, 7, 7, 7]);
    expect(Array.from(series(5, undefined, 3))).toEqual([5, 5, 5]);
    expect(Array.from(series(5, [], 2))).toEqual([5, 5]);
    expect(Array.from(series(5, [6, 7, 8], 2))).toEqual([5, 6]);
  });

  it("plans the first steps one by one, then in periods of 2, 2, 4, 4, 8, … cut to the horizon", () => {
    expect(periodLengths(24, 4)).toEqual([1, 1, 1, 1, 2, 2, 4, 4, 8]);
    expect(periodLengths(24, 24)).toEqual(Array.from({ length: 24 }, () => 1));
    expect(periodLengths(12, 2)).toEqual([1, 1, 2, 2, 4, 2]);
    expect(periodLengths(3, 4)).toEqual([1, 1, 1]);
  });

  it("averages and takes maxima per period", () => {
    const v = Float64Array.from([1, 2, 4, 6, 8, 10]);
    expect(Array.from(periodMeans(v, [1, 2, 3]))).toEqual([1, 3, 8]);
    expect(Array.from(periodMaxima(v, [1, 2, 3]))).toEqual([1, 4, 10]);
  });

  it("splits a round-trip efficiency evenly between charge and discharge", () => {
    expect(oneWayEfficiency(0.81)).toBeCloseTo(0.9, 12);
    expect(oneWayEfficiency(undefined)).toBe(1);
  });
});
