import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resample, type StepGrid, type TraceSeries } from "../../../../bench/simulator/scenario/resample.js";

const MIN = 60_000;
const T0 = Date.UTC(2022, 5, 8);
const series = (minutes: number[], values: number[], intervalMin: number): TraceSeries => ({
  timesMs: Float64Array.from(minutes, (m) => T0 + m * MIN),
  values: Float64Array.from(values),
  intervalMs: intervalMin * MIN,
});
const grid = (startMin: number, stepMin: number, steps: number): StepGrid => ({ startMs: T0 + startMin * MIN, stepMs: stepMin * MIN, steps });
const none = { shiftMs: 0, repeat: false };
const values = (r: ReturnType<typeof resample>): number[] => {
  if (r.error !== undefined) throw new Error(r.error);
  return [...r.values];
};

describe("resample", () => {
  // Hourly rows 10, 20, 40 at 00:00, 01:00, 02:00; 20-minute steps from 00:00.
  const hourly = series([0, 60, 120], [10, 20, 40], 60);

  it("hold: each step takes the last row at or before its start", () => {
    expect(values(resample(hourly, grid(0, 20, 9), "hold", none))).toEqual([10, 10, 10, 20, 20, 20, 40, 40, 40]);
  });

  it("linear: each step takes the line between the rows either side at its start", () => {
    // 00:00 10; 00:20 10+10/3; 00:40 10+20/3; 01:00 20; 01:20 20+20/3; 01:40 20+40/3; 02:00 40.
    const got = values(resample(hourly, grid(0, 20, 7), "linear", none));
    const want = [10, 10 + 10 / 3, 10 + 20 / 3, 20, 20 + 20 / 3, 20 + 40 / 3, 40];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it("coverage: hold lets the last row stand one interval, linear ends at the last row", () => {
    expect(values(resample(hourly, grid(0, 20, 9), "hold", none))).toHaveLength(9); // last step 02:40 < 03:00
    expect(resample(hourly, grid(0, 20, 10), "hold", none).error).toMatch(/covers 2022-06-08 00:00:00 to 2022-06-08 02:00:00, but the run's steps start from 2022-06-08 00:00:00 to 2022-06-08 03:00:00 \(hold\)/);
    expect(resample(hourly, grid(0, 20, 8), "linear", none).error).toMatch(/to 2022-06-08 02:20:00 \(linear\)/);
    expect(resample(hourly, grid(-5, 20, 2), "linear", none).error).toMatch(/covers 2022-06-08 00:00:00/);
  });

  it("shift: a duration added to the trace's times", () => {
    // Shifted by +30 min the rows sit at 00:30, 01:30, 02:30.
    const shifted = { shiftMs: 30 * MIN, repeat: false };
    expect(values(resample(hourly, grid(30, 30, 5), "hold", shifted))).toEqual([10, 10, 20, 20, 40]);
    expect(values(resample(hourly, grid(30, 30, 5), "linear", shifted))).toEqual([10, 15, 20, 30, 40]);
    expect(resample(hourly, grid(0, 30, 2), "hold", shifted).error).toMatch(/\(after its shift\)/);
  });

  it("repeat: the first row follows the last after one interval; linear joins last to first", () => {
    // Rows 1, 2, 3 every 10 min from 00:00; period 30 min; 5-minute steps over 75 minutes.
    const short = series([0, 10, 20], [1, 2, 3], 10);
    const wrap = { shiftMs: 0, repeat: true };
    expect(values(resample(short, grid(0, 5, 15), "hold", wrap))).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 1, 1, 2]);
    // 00:25 lies halfway between the last row (3 at 00:20) and the next copy's first (1 at 00:30).
    expect(values(resample(short, grid(0, 5, 15), "linear", wrap))).toEqual([1, 1.5, 2, 2.5, 3, 2, 1, 1.5, 2, 2.5, 3, 2, 1, 1.5, 2]);
  });

  it("repeat wraps backwards before the first row too, and combines with shift", () => {
    const short = series([0, 10, 20], [1, 2, 3], 10);
    // Steps from -30 min are one period early: the same values as from 00:00.
    expect(values(resample(short, grid(-30, 10, 3), "hold", { shiftMs: 0, repeat: true }))).toEqual([1, 2, 3]);
    // Shifted by +10 min, 00:00 reads the trace at -00:10, i.e. 00:20 of the copy before: 3.
    expect(values(resample(short, grid(0, 10, 4), "hold", { shiftMs: 10 * MIN, repeat: true }))).toEqual([3, 1, 2, 3]);
  });

  it("property: on the trace's own grid both modes return the rows unchanged", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 }), (vs) => {
      const s = series(vs.map((_, i) => i * 5), vs, 5);
      for (const mode of ["hold", "linear"] as const) {
        expect(values(resample(s, grid(0, 5, vs.length), mode, none))).toEqual(vs);
      }
    }));
  });

  it("property: linear stays within the rows either side of each step start", () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 2, maxLength: 30 }),
      fc.integer({ min: 1, max: 17 }),
      (vs, stepMin) => {
        const s = series(vs.map((_, i) => i * 10), vs, 10);
        const steps = Math.floor(((vs.length - 1) * 10) / stepMin) + 1;
        values(resample(s, grid(0, stepMin, steps), "linear", none)).forEach((v, k) => {
          const i = Math.min(Math.floor((k * stepMin) / 10), vs.length - 1);
          const j = Math.min(i + 1, vs.length - 1);
          expect(v).toBeGreaterThanOrEqual(Math.min(vs[i]!, vs[j]!) - 1e-9);
          expect(v).toBeLessThanOrEqual(Math.max(vs[i]!, vs[j]!) + 1e-9);
        });
      },
    ));
  });
});
