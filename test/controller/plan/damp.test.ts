import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catchUpForCapacity, dampService, stepFraction } from "../../../controller/plan/damp.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import type { SiteState } from "../../../controller/plan/site-state.js";
import { input, site, T0, weightsOf } from "./support/plan-inputs.js";

const planner = createPlanner(); // maxStep 1,000 units per 5 s, hysteresis 200 units
const options = planner.options;
/** The time of the k-th planning interval. */
const at = (k: number): number => T0 + k * options.stepIntervalSeconds * 1000;

/** Night, grid only: a 50 g, b 100 g, c 200 g; 100 rps → a 80, b 20. */
function night(carbonA = 50): SiteState[] {
  return [site("a", { gridCarbonGPerKwh: carbonA }), site("b", { gridCarbonGPerKwh: 100 }), site("c", { gridCarbonGPerKwh: 200 })];
}

describe("hysteresis", () => {
  it("keeps weights still while the target moves by less than the threshold", () => {
    const first = planner.plan(input(night(), 100));
    expect(weightsOf(first)).toEqual([8000, 2000, 0]);
    // 98 rps: target a 80/98 = 8163, b 1837, a move of 163 < 200.
    const second = planner.plan(input(night(), 98), first);
    expect(second.services[0]!.upstreams.map((u) => u.targetWeight)).toEqual([8163, 1837, 0]);
    expect(weightsOf(second)).toEqual([8000, 2000, 0]);
    expect(second.services[0]!.damping).toBe("held");
  });

  it("moves once the target is a threshold away", () => {
    const first = planner.plan(input([site("sun", { pvNowWatts: 60, gridCarbonGPerKwh: 300 }), site("grid")], 100));
    expect(weightsOf(first)).toEqual([6000, 4000]);
    const noisy = planner.plan(input([site("sun", { pvNowWatts: 61.9, gridCarbonGPerKwh: 300 }), site("grid")], 100, at(1)), first);
    expect(weightsOf(noisy)).toEqual([6000, 4000]);
    const moved = planner.plan(input([site("sun", { pvNowWatts: 62, gridCarbonGPerKwh: 300 }), site("grid")], 100, at(2)), noisy);
    expect(weightsOf(moved)).toEqual([6200, 3800]);
    expect(moved.services[0]!.damping).toBe("target");
  });
});

describe("step bound", () => {
  it("limits each move to maxStep and reaches the target in as many cycles as it takes", () => {
    let plan = planner.plan(input(night(), 100));
    const history: number[][] = [];
    for (let cycle = 0; cycle < 10; cycle++) {
      // a's grid turns dirty: the target becomes b 80, c 20.
      plan = planner.plan(input(night(300), 100, at(cycle + 1)), plan);
      history.push(weightsOf(plan));
    }
    expect(history.slice(0, 3)).toEqual([[7000, 2750, 250], [6000, 3500, 500], [5000, 4250, 750]]);
    expect(history[7]).toEqual([0, 8000, 2000]);
    expect(history.slice(8)).toEqual([[0, 8000, 2000], [0, 8000, 2000]]);
    for (let i = 1; i < history.length; i++) {
      const moves = history[i]!.map((w, j) => Math.abs(w - history[i - 1]![j]!));
      expect(Math.max(...moves)).toBeLessThanOrEqual(1000);
    }
  });

  it("gives way to a capacity limit: the target at once when a step would overload a site", () => {
    const first = planner.plan(input(night(), 100));
    // Demand doubles: a at 8,000 units would get 160 rps against a limit of 80.
    const plan = planner.plan(input(night(), 200, at(1)), first);
    expect(weightsOf(plan)).toEqual([4000, 4000, 2000]);
    expect(plan.services[0]!.damping).toBe("capacity");
  });

  it("moves a fraction of a step for a fraction of an interval, and nothing when no time passed", () => {
    const first = planner.plan(input(night(), 100));
    // A quarter of an interval later: 250 units, the same direction as a whole step.
    const quarter = planner.plan(input(night(300), 100, T0 + 1_250), first);
    expect(weightsOf(quarter)).toEqual([7750, 2188, 62]);
    expect(quarter.services[0]!.damping).toBe("stepped");
    const again = planner.plan(input(night(300), 100, T0 + 1_250), quarter);
    expect(weightsOf(again)).toEqual(weightsOf(quarter));
    // The clock stepped back: no movement either.
    expect(weightsOf(planner.plan(input(night(300), 100, T0), quarter))).toEqual(weightsOf(quarter));
    // More than an interval counts as one.
    expect(weightsOf(planner.plan(input(night(300), 100, at(7)), first))).toEqual([7000, 2750, 250]);
  });

  it("keeps a shortfall damped: sites stay within what the spread target puts there, and move no further", () => {
    // Two sites of limit 80; 100 rps all on a (80) and b (20), then 170 rps: a shortfall (160).
    const sites = [site("a", { gridCarbonGPerKwh: 50 }), site("b", { gridCarbonGPerKwh: 100 }), site("c", { gridCarbonGPerKwh: 500, capacityRps: 0.001 })];
    const pinned = { nowMs: T0, sites, services: [
      { service: "api", demandRps: 100, upstreams: [{ site: "a", upstream: "api-a" }, { site: "b", upstream: "api-b" }] },
      { service: "solo", demandRps: 0, upstreams: [{ site: "b", upstream: "solo-b" }] },
    ] };
    const first = planner.plan(pinned);
    expect(weightsOf(first)).toEqual([8000, 2000]);
    // solo now needs 70 of b's 80: 170 > 160, a shortfall; the target spreads api 50/50 over a and b.
    const next = planner.plan({ ...pinned, nowMs: at(1), services: [{ ...pinned.services[0]! }, { ...pinned.services[1]!, demandRps: 70 }] }, first);
    expect(next.shortfall).toBe(true);
    expect(next.services[0]!.upstreams.map((u) => u.targetWeight)).toEqual([5000, 5000]);
    // One step (1,000 units) would put api at 7,000/3,000: a 70, b 30 + 70 = 100. The spread target
    // puts b at 50 + 70 = 120 and a at 50: both within, so api takes one step and no more.
    expect(weightsOf(next)).toEqual([7000, 3000]);
    expect(next.services[0]!.damping).toBe("stepped");
  });
});

describe("hard rules first", () => {
  it("drains a newly unhealthy site at once, however far that is from a step", () => {
    const first = planner.plan(input(night(), 100));
    const sites = night();
    sites[0] = { ...sites[0]!, health: "unhealthy" };
    const plan = planner.plan(input(sites, 100), first);
    expect(plan.services[0]!.upstreams.map((u) => [u.weight, u.draining])).toEqual([[0, true], [8000, false], [2000, false]]);
  });

  it("restores a recovered site in steps", () => {
    const sites = night();
    const down = planner.plan(input([{ ...sites[0]!, health: "unhealthy" }, ...sites.slice(1)], 100));
    expect(weightsOf(down)).toEqual([0, 8000, 2000]);
    const back = planner.plan(input(sites, 100, at(1)), down);
    expect(weightsOf(back)).toEqual([1000, 7250, 1750]);
    expect(back.services[0]!.damping).toBe("stepped");
  });

  it("drains at once even when no time has passed since the previous plan", () => {
    const first = planner.plan(input(night(), 100));
    const sites = night();
    sites[0] = { ...sites[0]!, health: "draining" };
    expect(weightsOf(planner.plan(input(sites, 100, T0), first))).toEqual([0, 8000, 2000]);
  });

  it("ignores a previous plan made with another weight scale", () => {
    const other = createPlanner({ weightScale: 1000 });
    const previous: Plan = other.plan(input(night(300), 100));
    expect(planner.plan(input(night(), 100), previous).services[0]!.damping).toBe("initial");
  });
});

describe("dampService", () => {
  const eligible = [true, true, true];

  it("hands weight freed by a removed upstream to the target's upstreams", () => {
    // Last cycle had a fourth upstream with 5,000 units that is gone now.
    const damped = dampService([2000, 3000, 5000], { weights: [2000, 3000, 0], total: 10_000 }, eligible, options);
    // From [3000, 4500, 2500] (the 5,000 freed, split as the target) the largest move is 2,500,
    // so every move is scaled by 1,000 / 2,500.
    expect(damped).toEqual({ weights: [2600, 3900, 3500], damping: "stepped" });
  });

  it("treats a previous sum that differs from the scale as no previous weights", () => {
    expect(dampService([5000, 5000, 0], { weights: [1, 2, 3], total: 6 }, eligible, options).damping).toBe("initial");
  });
});

describe("damping per unit of time (property)", () => {
  it("moves no upstream by more than one step in total over any number of plans within one interval", () => {
    const intervalMs = options.stepIntervalSeconds * 1000;
    const plan = fc.record({ gapMs: fc.integer({ min: 0, max: intervalMs }), carbon: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 3, maxLength: 3 }), demandRps: fc.integer({ min: 20, max: 200 }) });
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 3, maxLength: 3 }), fc.array(plan, { minLength: 1, maxLength: 30 }), (startCarbon, plans) => {
      const sites = (carbon: readonly number[]) => carbon.map((g, i) => site(`s${i}`, { gridCarbonGPerKwh: g }));
      let previous = planner.plan(input(sites(startCarbon), 100, T0));
      const start = weightsOf(previous);
      const travelled = start.map(() => 0);
      let now = T0;
      for (const p of plans) {
        if (now + p.gapMs - T0 > intervalMs) break;
        now += p.gapMs;
        const next = planner.plan(input(sites(p.carbon), p.demandRps, now), previous);
        // A move beyond the step is allowed only to keep a site within its limit.
        fc.pre(next.services[0]!.damping !== "capacity");
        weightsOf(next).forEach((w, j) => (travelled[j]! += Math.abs(w - weightsOf(previous)[j]!)));
        previous = next;
      }
      for (const t of travelled) expect(t).toBeLessThanOrEqual(options.maxStep * options.weightScale);
    }), { numRuns: 300 });
  });
});

describe("stepFraction", () => {
  it("is the share of an interval since the previous plan, from 0 to 1", () => {
    expect(stepFraction(null, T0, 5)).toBe(1);
    expect(stepFraction(T0, T0, 5)).toBe(0);
    expect(stepFraction(T0, T0 - 1, 5)).toBe(0);
    expect(stepFraction(T0, T0 + 1_000, 5)).toBe(0.2);
    expect(stepFraction(T0, T0 + 60_000, 5)).toBe(1);
  });
});

describe("catchUpForCapacity", () => {
  it("snaps only the services that push an overloaded site past its limit", () => {
    // Two services over sites 0 and 1, 100 rps each; site 0's limit is 80.
    const damped = [[9000, 1000], [2000, 8000]];
    const targets = [[6000, 4000], [2000, 8000]];
    const services = [{ demandRps: 100, siteOf: [0, 1] }, { demandRps: 100, siteOf: [0, 1] }];
    const snapped = catchUpForCapacity(damped, targets, services, [80, 200], 10_000);
    expect(snapped).toEqual([true, false]);
    expect(damped).toEqual([[6000, 4000], [2000, 8000]]);
  });

  it("moves the pushing services only as far towards their target as the limit needs", () => {
    // Site 0 (limit 80) at 90 rps from the damped weights; the target puts 60 there. Moving the
    // service by c changes site 0 by −30 c: c = (90 − 80 + 0.01) / 30, aimed a unit below the limit.
    const damped = [[9000, 1000]];
    const moved = catchUpForCapacity(damped, [[6000, 4000]], [{ demandRps: 100, siteOf: [0, 1] }], [80, 200], 10_000);
    expect(moved).toEqual([true]);
    expect(damped).toEqual([[7999, 2001]]);
  });

  it("lets a site run above its limit up to what the target puts there, in a shortfall", () => {
    // Limits 80 and 80, two services of 100 rps: the spread target puts 50 + 50 on each site.
    // Off target but within it (60 + 40 and 40 + 60) nothing moves: a shortfall alone is no jump.
    const services = [{ demandRps: 100, siteOf: [0, 1] }, { demandRps: 100, siteOf: [0, 1] }];
    const targets = [[5000, 5000], [5000, 5000]];
    const within = [[6000, 4000], [4000, 6000]];
    expect(catchUpForCapacity(within, targets, services, [80, 80], 10_000)).toEqual([false, false]);
    expect(within).toEqual([[6000, 4000], [4000, 6000]]);
    // Site 0 at 65 + 40 = 105: the first service moves by c = (105 − 100) / 15 of the way, to 100.
    const over = [[6500, 3500], [4000, 6000]];
    expect(catchUpForCapacity(over, targets, services, [80, 80], 10_000)).toEqual([true, false]);
    expect(over).toEqual([[6000, 4000], [4000, 6000]]);
  });
});
