import { describe, expect, it } from "vitest";
import { dampService, enforceSiteLimits } from "../../../controller/plan/damp.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import type { SiteState } from "../../../controller/plan/site-state.js";
import { input, site, weightsOf } from "./support/plan-inputs.js";

const planner = createPlanner(); // maxStep 1,000 units, hysteresis 200 units
const options = planner.options;

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
    const noisy = planner.plan(input([site("sun", { pvNowWatts: 61.9, gridCarbonGPerKwh: 300 }), site("grid")], 100), first);
    expect(weightsOf(noisy)).toEqual([6000, 4000]);
    const moved = planner.plan(input([site("sun", { pvNowWatts: 62, gridCarbonGPerKwh: 300 }), site("grid")], 100), noisy);
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
      plan = planner.plan(input(night(300), 100), plan);
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
    const plan = planner.plan(input(night(), 200), first);
    expect(weightsOf(plan)).toEqual([4000, 4000, 2000]);
    expect(plan.services[0]!.damping).toBe("capacity");
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
    const back = planner.plan(input(sites, 100), down);
    expect(weightsOf(back)).toEqual([1000, 7250, 1750]);
    expect(back.services[0]!.damping).toBe("stepped");
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

describe("enforceSiteLimits", () => {
  it("snaps only the services that push an overloaded site past its limit", () => {
    // Two services over sites 0 and 1, 100 rps each; site 0's limit is 80.
    const damped = [[9000, 1000], [2000, 8000]];
    const targets = [[6000, 4000], [2000, 8000]];
    const services = [{ demandRps: 100, siteOf: [0, 1] }, { demandRps: 100, siteOf: [0, 1] }];
    const snapped = enforceSiteLimits(damped, targets, services, [80, 200], 10_000);
    expect(snapped).toEqual([true, false]);
    expect(damped).toEqual([[6000, 4000], [2000, 8000]]);
  });
});
