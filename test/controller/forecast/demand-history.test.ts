import { describe, expect, it } from "vitest";
import { DemandHistory } from "../../../controller/forecast/demand-history.js";

const STEP = 300_000;
const T0 = 1_000 * STEP; // a step boundary

describe("demand history", () => {
  it("keeps one mean per step, timed at the step's end, and the step in progress at its latest observation", () => {
    const h = new DemandHistory();
    h.add("shop", T0 + 10_000, 100);
    h.add("shop", T0 + 20_000, 200);
    h.add("shop", T0 + STEP + 5_000, 60);
    expect(h.series("shop")).toEqual([{ atMs: T0 + STEP, rps: 150 }, { atMs: T0 + STEP + 5_000, rps: 60 }]);
    expect(h.series("search")).toEqual([]);
  });

  it("holds a fixed number of steps per service, dropping the oldest", () => {
    const h = new DemandHistory({ steps: 3 });
    for (let k = 0; k < 10; k++) h.add("shop", T0 + k * STEP, k);
    expect(h.series("shop").map((e) => e.rps)).toEqual([7, 8, 9]);
    expect(h.slots).toBe(3);
    // A gap of more than the ring: only the new step is left.
    h.add("shop", T0 + 20 * STEP, 1);
    expect(h.series("shop")).toEqual([{ atMs: T0 + 20 * STEP, rps: 1 }]);
  });

  it("ignores observations from before the newest step and values that are not requests/s", () => {
    const h = new DemandHistory();
    h.add("shop", T0 + STEP, 10);
    h.add("shop", T0, 99);
    h.add("shop", T0 + STEP + 1, Number.NaN);
    h.add("shop", T0 + STEP + 2, -1);
    expect(h.series("shop")).toEqual([{ atMs: T0 + STEP, rps: 10 }]);
  });

  it("refuses bad options, naming them", () => {
    expect(() => new DemandHistory({ steps: 0 })).toThrow("demand history option 'steps': expected an integer from 1 to 100000, got 0");
    expect(() => new DemandHistory({ stepSeconds: 0.5 })).toThrow("demand history option 'stepSeconds'");
  });
});
