// The planner over a simulated day of real PV, grid carbon and load traces (support/simulated-day.ts).
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import type { PlannerOptions } from "../../../controller/plan/planner-options.js";
import { DAY, reversals, simulateDay, SITE_NAMES, type DayResult } from "./support/simulated-day.js";

interface PlannedDay extends DayResult {
  readonly plans: Plan[];
}

function planDay(options: Partial<PlannerOptions> = {}): PlannedDay {
  const planner = createPlanner(options);
  const plans: Plan[] = [];
  const day = simulateDay((input) => {
    const plan = planner.plan(input, plans[plans.length - 1] ?? null);
    plans.push(plan);
    return plan.services[0]!.upstreams.map((u) => u.weight);
  });
  return { ...day, plans };
}

describe("a simulated day on real traces (2022-06-15, San Francisco, Stockholm, Berlin)", () => {
  let planned: PlannedDay;
  let undamped: PlannedDay;
  let byCapacity: DayResult;
  beforeAll(() => {
    planned = planDay();
    undamped = planDay({ maxStep: 1, hysteresis: 0 });
    // The same sites weighted by capacity alone, whatever the sun and the grid do.
    byCapacity = simulateDay((input) => input.sites.map((s) => s.capacityRps));
  });

  it("serves more requests on renewable power, and on cleaner grid power, than a capacity split", () => {
    expect(planned.renewableShare).toBeGreaterThan(byCapacity.renewableShare + 0.05);
    expect(planned.gridKg).toBeLessThan(byCapacity.gridKg * 0.6);
  });

  it("does not oscillate: each weight turns round at most once an hour on average, fewer times than undamped", () => {
    const turns = (day: DayResult): number[] => SITE_NAMES.map((_, i) => reversals(day.weights.map((w) => w[i]!)));
    for (const n of turns(planned)) expect(n).toBeLessThanOrEqual(DAY.cycles / 12);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(turns(planned))).toBeLessThan(sum(turns(undamped)));
  });

  it("moves no weight by more than one step a cycle unless a site's limit requires it", () => {
    const { maxStep, weightScale } = createPlanner().options;
    for (let k = 1; k < planned.plans.length; k++) {
      if (planned.plans[k]!.services[0]!.damping === "capacity") continue;
      const moves = planned.weights[k]!.map((w, i) => Math.abs(w - planned.weights[k - 1]![i]!));
      expect(Math.max(...moves)).toBeLessThanOrEqual(maxStep * weightScale);
    }
  });

  it("keeps every site within its limit all day, as demand never exceeds the sites' limits", () => {
    const limit = DAY.capacityRps * 0.8;
    for (const plan of planned.plans) {
      expect(plan.shortfall).toBe(false);
      // One weight unit of rounding: demand / 10,000 rps.
      for (const s of plan.sites) expect(s.plannedRps).toBeLessThanOrEqual(limit + plan.services[0]!.demandRps / 10_000);
    }
  });
});
