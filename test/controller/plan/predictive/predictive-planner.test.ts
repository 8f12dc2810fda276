// Hand-computed cases of the predictive planner: what looking ahead changes (a sunset, a carbon
// forecast, an off-grid battery), the fallback to the greedy plan, and its checks of options
// and look-ahead input.
import { describe, expect, it } from "vitest";
import { createPlanner } from "../../../../controller/plan/greedy/greedy-planner.js";
import type { Plan } from "../../../../controller/plan/plan.js";
import { PlannerError } from "../../../../controller/plan/planner-options.js";
import { loadPlanSolver, type PlanSolver } from "../../../../controller/plan/predictive/plan-solver.js";
import { createPredictivePlanner } from "../../../../controller/plan/predictive/predictive-planner.js";
import type { PlanInput, SiteState } from "../../../../controller/plan/site-state.js";
import { input, service, site, T0, weightsOf } from "../support/plan-inputs.js";

const solver = await loadPlanSolver();
// A budget no solve here reaches: what these tests check must not depend on the machine's speed.
const UNHURRIED = { timeBudgetMs: 60_000 };
const planner = createPredictivePlanner(UNHURRIED, solver);
const STEP_HOURS = 300 / 3600;

/** `n` values of f(1), f(2), …: a forecast for the steps after now. */
const ahead = (n: number, f: (k: number) => number): number[] => Array.from({ length: n }, (_, k) => f(k + 1));

describe("predictive planner: the README's worked example", () => {
  it("with nothing to look ahead to, plans what the greedy planner plans, and explains it alike", () => {
    // `sun`: 1,000 W of PV at 2 W/rps (500 rps renewable), 400 g; `clean` 100 g; `dirty` 300 g;
    // limits 80 rps, demand 150: sun 80 and clean 70 → 5333, 4667, 0.
    const sites = [
      site("sun", { pvNowWatts: 1000, wattsPerRps: 2, gridCarbonGPerKwh: 400 }),
      site("clean", { wattsPerRps: 2, gridCarbonGPerKwh: 100 }),
      site("dirty", { wattsPerRps: 2, gridCarbonGPerKwh: 300 }),
    ];
    const plan = planner.plan(input(sites, 150));
    expect(plan.planner).toBe("predictive");
    expect(weightsOf(plan)).toEqual([5333, 4667, 0]);
    const greedy = createPlanner().plan(input(sites, 150));
    expect(weightsOf(greedy)).toEqual([5333, 4667, 0]);
    expect(plan.sites.map((x) => x.reasons)).toEqual(greedy.sites.map((x) => x.reasons));
    expect(plan.sites[0]!.renewableCapacityRps).toBe(500);
    expect(plan.sites[1]!.gridCarbonGPerHour).toBeCloseTo((150 * 4667 / 10_000) * 2 * 100 / 1000, 9);
  });
});

describe("predictive planner: looking ahead", () => {
  // 50 rps at 1 W/rps; `sun` has 1,000 W of PV until cycle 12, then none, and a 400 g grid;
  // `grid` is a 100 g grid. Damping moves a weight by at most 1,000 (10 %) per cycle.
  const pv = (t: number): number => (t < 12 ? 1000 : 0);
  const sunset = (t: number): PlanInput => input([
    site("sun", { pvNowWatts: pv(t), pvForecastWatts: ahead(23, (k) => pv(t + k)), gridCarbonGPerKwh: 400 }),
    site("grid", { gridCarbonGPerKwh: 100 }),
  ], 50, T0 + t * 300_000);
  const sunWeights = (p: { plan(i: PlanInput, prev: Plan | null): Plan }): number[] => {
    const out: number[] = [];
    let last: Plan | null = null;
    for (let t = 0; t <= 14; t++) {
      last = p.plan(sunset(t), last);
      expect(last.fallback).toBeNull();
      out.push(weightsOf(last)[0]!);
    }
    return out;
  };
  const greedySun = sunWeights(createPlanner());

  it("the greedy planner moves traffic off a PV site only as its sun sets", () => {
    // Its forecast mean drops below 50 rps of PV only in cycle 11 (1,000 W × 1/24), then damping.
    expect(greedySun).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 9000, 8000, 7000, 6000]);
  });

  it("moves traffic off a PV site before its sun sets, step by step over the horizon", () => {
    // Damping moves 10 % per cycle. A share moved before the drop pays the 100 g grid instead
    // of PV each step, one left on `sun` after it pays 300 g more (400 g instead of 100 g).
    // Starting in cycle 5: (0.1 + … + 0.7) × 100 + (0.2 + 0.1) × 300 = 370; in cycle 4 or 6: 390.
    // (The churn term is the same for every ramp.) Planned step by step:
    const fine = createPredictivePlanner({ ...UNHURRIED, fineSteps: 24 }, solver);
    expect(sunWeights(fine)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 9000, 8000, 7000, 6000, 5000, 4000, 3000, 2000, 1000, 0]);
  });

  it("moves traffic off a PV site before its sun sets with the default coarser periods too", () => {
    // Periods of 2 to 8 steps beyond the first four let the program believe it can move faster
    // further out, so it starts in time but ramps later: at the drop 45 % is left, not 20 %.
    const sun = sunWeights(planner);
    const firstMove = sun.findIndex((w) => w < 10_000);
    expect(firstMove).toBeLessThan(greedySun.findIndex((w) => w < 10_000) - 4);
    expect(sun[12]).toBeLessThanOrEqual(5000);
    expect(sun[12]).toBeLessThan(greedySun[12]!);
    expect(sun[14]).toBeLessThanOrEqual(3000);
  });

  it("keeps a battery for the hours when it displaces the most carbon", () => {
    // 60 rps at 1 W/rps, no PV; 100 Wh battery, full, 20 % reserve: 80 Wh usable. The grid is
    // 100 g for the first hour and 500 g for the second: the second hour needs 60 Wh.
    const carbon = (k: number): number => (k < 12 ? 100 : 500);
    const result = planner.planWithTrajectory(input([
      site("bat", { batteryWh: 100, batterySoc: 1, gridCarbonGPerKwh: carbon(0), gridCarbonForecastGPerKwh: ahead(23, carbon) }),
    ], 60));
    const t = result.trajectory!;
    expect(t.periodSteps).toEqual([1, 1, 1, 1, 2, 2, 4, 4, 8]);
    const bat = t.sites[0]!;
    // The first seven periods are the first twelve steps: the grid at 100 g, the battery kept.
    // A kept Wh is worth 0.95 × the mean 300 g = 285 g: above 100 g, below 500 g.
    for (let k = 0; k < 7; k++) {
      expect(bat.dischargeWatts[k]).toBeCloseTo(0, 6);
      expect(bat.gridWatts[k]).toBeCloseTo(60, 6);
    }
    for (const k of [7, 8]) {
      expect(bat.dischargeWatts[k]).toBeCloseTo(60, 6);
      expect(bat.gridWatts[k]).toBeCloseTo(0, 6);
    }
    // 100 Wh − 60 Wh used in the second hour.
    expect(bat.soc[bat.soc.length - 1]).toBeCloseTo(0.4, 6);
  });

  it("spends a scarce battery only in the dirty hour", () => {
    // As above with 30 Wh usable (half full): all of it goes into the 500 g hour.
    const carbon = (k: number): number => (k < 12 ? 100 : 500);
    const t = planner.planWithTrajectory(input([
      site("bat", { batteryWh: 100, batterySoc: 0.5, gridCarbonGPerKwh: carbon(0), gridCarbonForecastGPerKwh: ahead(23, carbon) }),
    ], 60)).trajectory!;
    const bat = t.sites[0]!;
    const whIn = (from: number, to: number): number =>
      t.periodSteps.slice(from, to).reduce((a, steps, j) => a + bat.dischargeWatts[from + j]! * steps * STEP_HOURS, 0);
    expect(whIn(0, 7)).toBeCloseTo(0, 6);
    expect(whIn(7, 9)).toBeCloseTo(30, 6);
    expect(Math.min(...bat.soc)).toBeCloseTo(0.2, 6);
  });
});

describe("predictive planner: off-grid sites", () => {
  // `main`: grid at 400 g, limit 80 rps. `island`: off-grid, no PV, a 100 Wh battery with 20 %
  // reserve. 100 rps at 1 W/rps: 20 rps do not fit on `main`.
  const island = (soc: number): SiteState => site("island", { offGrid: true, batteryWh: 100, batterySoc: soc, gridCarbonGPerKwh: 0 });
  const main = site("main", { gridCarbonGPerKwh: 400 });

  it("serves only what the battery holds above its reserve, never from an empty battery", () => {
    // 10 Wh usable: 20 W for half an hour. An overload now costs ten times one later, so step 0
    // takes the battery's 20 rps and the program overloads `main` later instead.
    const result = planner.planWithTrajectory({ nowMs: T0, sites: [main, island(0.3)], services: [service("api", 100, ["main", "island"])] });
    expect(result.plan.shortfall).toBe(false);
    expect(weightsOf(result.plan)).toEqual([8000, 2000]);
    const t = result.trajectory!;
    const isl = t.sites[1]!;
    let servedWh = 0;
    t.periodSteps.forEach((steps, k) => {
      expect(isl.gridWatts[k]).toBe(0);
      expect(isl.deficitWatts[k]).toBeCloseTo(0, 6);
      expect(isl.loadRps[k]! * 1).toBeLessThanOrEqual(isl.dischargeWatts[k]! + 1e-6);
      servedWh += isl.loadRps[k]! * steps * STEP_HOURS;
    });
    expect(servedWh).toBeCloseTo(10, 6);
    for (const soc of isl.soc) expect(soc).toBeGreaterThanOrEqual(0.2 - 1e-9);
  });

  it("sends nothing to an off-grid site at its reserve, even in a shortfall", () => {
    const result = planner.planWithTrajectory({ nowMs: T0, sites: [main, island(0.2)], services: [service("api", 100, ["main", "island"])] });
    expect(result.plan.shortfall).toBe(true);
    expect(weightsOf(result.plan)).toEqual([10_000, 0]);
    expect(result.plan.services[0]!.damping).toBe("initial"); // no previous plan: the target as it is
    expect(result.plan.sites[0]!.reasons).toContain("capacity_shortfall");
  });
});

describe("predictive planner: fallback to the greedy plan", () => {
  const sites = [site("a", { pvNowWatts: 30 }), site("b", { gridCarbonGPerKwh: 300 })];
  const greedyPlan = createPlanner().plan(input(sites, 60));

  it("answers with the greedy plan when the latency SLO cannot be met (infeasible)", () => {
    const far = { nowMs: T0, sites, services: [{ ...service("api", 60, ["a", "b"]), latencySloMs: 100 }],
      clientRegions: [{ region: "eu", share: 1, latencyMs: { a: 250, b: 300 } }] };
    const plan = planner.plan(far);
    expect(plan).toEqual({ ...greedyPlan, fallback: { reason: "infeasible", detail: expect.any(String) } });
    expect(plan.planner).toBe("greedy");
  });

  it("answers with the greedy plan when the solve runs out of its time budget", () => {
    const hurried = createPredictivePlanner({ timeBudgetMs: 1e-6 }, solver);
    const plan = hurried.plan(input(sites, 60));
    expect(plan).toEqual({ ...greedyPlan, fallback: { reason: "time_budget", detail: expect.any(String) } });
  });

  it("answers with the greedy plan when the solver fails or throws", () => {
    const failing: PlanSolver = { solve: () => ({ status: "error", detail: "HiGHS model status 4" }) };
    expect(createPredictivePlanner({}, failing).planWithTrajectory(input(sites, 60))).toEqual({
      plan: { ...greedyPlan, fallback: { reason: "solver_error", detail: "HiGHS model status 4" } },
      trajectory: null,
    });
    const throwing: PlanSolver = { solve: () => { throw new Error("out of memory"); } };
    expect(createPredictivePlanner({}, throwing).plan(input(sites, 60)).fallback).toEqual({ reason: "solver_error", detail: "out of memory" });
  });

  it("meets the SLO when a site can: the far site gets at most 5 % of the demand", () => {
    const plan = planner.plan({ nowMs: T0, sites, services: [{ ...service("api", 60, ["a", "b"]), latencySloMs: 100 }],
      clientRegions: [{ region: "eu", share: 1, latencyMs: { a: 250, b: 20 } }] });
    expect(plan.fallback).toBeNull();
    expect(plan.planner).toBe("predictive");
    expect(weightsOf(plan)[0]).toBeLessThanOrEqual(500);
  });
});

describe("predictive planner: checks", () => {
  const fieldOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof PlannerError) return e.field;
      throw e;
    }
    throw new Error("no PlannerError");
  };

  it("refuses bad options, naming them", () => {
    expect(fieldOf(() => createPredictivePlanner({ horizonSteps: 0 }, solver))).toBe("option 'horizonSteps'");
    expect(fieldOf(() => createPredictivePlanner({ timeBudgetMs: Number.NaN }, solver))).toBe("option 'timeBudgetMs'");
    expect(fieldOf(() => createPredictivePlanner({ terminalValueFraction: 1.5 }, solver))).toBe("option 'terminalValueFraction'");
    expect(fieldOf(() => createPredictivePlanner({ headroom: 1 }, solver))).toBe("option 'headroom'");
    expect(fieldOf(() => createPredictivePlanner({ horizon: 3 } as never, solver))).toBe("option 'horizon'");
  });

  it("passes its shared options to the greedy fallback and names itself", () => {
    const p = createPredictivePlanner({ ...UNHURRIED, weightScale: 1000, horizonSteps: 6 }, solver);
    expect(p.name).toBe("predictive");
    expect(p.options.weightScale).toBe(1000);
    expect(p.options.horizonSteps).toBe(6);
    expect(weightsOf(p.plan(input([site("a")], 10)))).toEqual([1000]);
  });

  it("refuses a bad look-ahead field, naming it", () => {
    const nan = input([site("a", { gridCarbonForecastGPerKwh: [100, Number.NaN] })], 10);
    expect(fieldOf(() => planner.plan(nan))).toBe("sites[0].gridCarbonForecastGPerKwh[1]");
    const eff = input([site("a", { batteryEfficiency: 0 })], 10);
    expect(fieldOf(() => planner.plan(eff))).toBe("sites[0].batteryEfficiency");
    const demand = { nowMs: T0, sites: [site("a")], services: [{ ...service("api", 1, ["a"]), demandForecastRps: [-1] }] };
    expect(fieldOf(() => planner.plan(demand))).toBe("services[0].demandForecastRps[0]");
    const region = { ...input([site("a"), site("b")], 1), clientRegions: [{ region: "eu", share: 1, latencyMs: { a: 10 } }] };
    expect(fieldOf(() => planner.plan(region))).toBe("clientRegions[0].latencyMs.b");
  });
});

describe("predictive planner: demand that can jump", () => {
  // Two sites of 100 rps (limit 80 at the default headroom 0.2): `clean` 100 g, `dirty` 300 g.
  const sites = [site("clean", { gridCarbonGPerKwh: 100 }), site("dirty", { gridCarbonGPerKwh: 300 })];

  it("keeps the recent peak within the sites' capacity, the forecast within their limits", () => {
    // 50 rps now, but 150 seen in the last hours: `clean` may take at most 100/150 of the service.
    const surging: PlanInput = { ...input(sites, 50), services: [{ ...service("api", 50, ["clean", "dirty"]), demandPeakRps: 150 }] };
    expect(weightsOf(planner.plan(surging))).toEqual([6667, 3333]);
    // Without the peak, everything goes to the clean grid.
    expect(weightsOf(planner.plan(input(sites, 50)))).toEqual([10_000, 0]);
  });

  it("refuses a negative or non-finite peak, naming it", () => {
    const bad: PlanInput = { ...input(sites, 50), services: [{ ...service("api", 50, ["clean", "dirty"]), demandPeakRps: -1 }] };
    expect(() => planner.plan(bad)).toThrow("services[0].demandPeakRps");
  });
});
