// The planner the configuration asks for: its options come from `planning`, the predictive one is
// warmed up with exactly one solve before it is handed out, and the forecast horizon a plan step
// reads is the planner's own.
import { describe, expect, it } from "vitest";
import { parseConfig, type ControllerConfig } from "../../../controller/config/load.js";
import { DEFAULT_CONFIG_YAML } from "../../../controller/config/defaults.js";
import { createConfiguredPlanner, plannerHorizonSteps, warmUpInput } from "../../../controller/plan/configured-planner.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import { loadPlanSolver, type LinearProgram, type PlanSolver } from "../../../controller/plan/predictive/plan-solver.js";

function config(planning: Partial<ControllerConfig["planning"]> = {}): ControllerConfig {
  const c = parseConfig(DEFAULT_CONFIG_YAML).value!;
  return { ...c, planning: { ...c.planning, ...planning } };
}

/** The real solver, with every program it is given and its time limit kept. */
async function recordingSolver(): Promise<{ solver: PlanSolver; programs: LinearProgram[]; limits: number[] }> {
  const real = await loadPlanSolver();
  const programs: LinearProgram[] = [];
  const limits: number[] = [];
  return { programs, limits, solver: { solve: (lp, seconds) => (programs.push(lp), limits.push(seconds), real.solve(lp, seconds)) } };
}

const warmUpInputFor = (steps: number) => warmUpInput(config(), steps, Date.UTC(2024, 5, 1, 12));

describe("createConfiguredPlanner", () => {
  it("makes the greedy planner with the configured headroom and one damping step per planning interval, with no warm-up", async () => {
    const { planner, warmUp } = await createConfiguredPlanner(config({ planner: "greedy", headroom: 0.3, intervalMs: 2_500 }));
    expect(planner.name).toBe("greedy");
    expect(planner.options).toMatchObject({ headroom: 0.3, stepIntervalSeconds: 2.5 });
    expect(warmUp).toBeNull();
  });

  it("makes the predictive planner from planning's horizon, time budget, headroom and interval, after one warm-up solve", async () => {
    const { solver, programs, limits } = await recordingSolver();
    const { planner, warmUp } = await createConfiguredPlanner(
      config({ planner: "predictive", horizonSteps: 36, timeBudgetMs: 400, headroom: 0.1, intervalMs: 4_000 }),
      { solver, clock: () => Date.UTC(2024, 5, 1, 12) },
    );
    expect(planner.name).toBe("predictive");
    expect(planner.options).toMatchObject({ horizonSteps: 36, timeBudgetMs: 400, headroom: 0.1, stepIntervalSeconds: 4 });
    // One warm-up solve, with room for a cold solve (2 s), not the cycle's budget.
    expect(programs).toHaveLength(1);
    expect(limits).toEqual([2]);
    expect(warmUp?.fallback ?? null).toBeNull();
    expect(warmUp!.ms).toBeGreaterThan(0);
    // The planner handed out keeps the configured budget.
    planner.plan(warmUpInputFor(36));
    expect(limits).toEqual([2, 0.4]);
  });

  it("hands out the planner even when its warm-up solve falls back", async () => {
    const failing: PlanSolver = { solve: () => ({ status: "time_limit", detail: "over 50 ms" }) };
    const { planner, warmUp } = await createConfiguredPlanner(config({ planner: "predictive" }), { solver: failing });
    expect(planner.name).toBe("predictive");
    expect(warmUp?.fallback).toEqual({ reason: "time_budget", detail: "over 50 ms" });
  });
});

describe("plannerHorizonSteps", () => {
  it("is the predictive planner's horizon, and the greedy planner's horizonSeconds in forecast steps", async () => {
    const { planner } = await createConfiguredPlanner(config({ horizonSteps: 30 }), { solver: (await recordingSolver()).solver });
    expect(plannerHorizonSteps(planner, 300)).toBe(30);
    // Greedy: 3,600 s over 5-minute steps; a partial step still needs a forecast.
    expect(plannerHorizonSteps(createPlanner(), 300)).toBe(12);
    expect(plannerHorizonSteps(createPlanner({ horizonSeconds: 1_000 }), 300)).toBe(4);
  });
});

describe("warmUpInput", () => {
  it("has the configured mesh's shape: half the PV peak now, falling to none over the horizon, half-full batteries", () => {
    const c = config();
    const input = warmUpInput(c, 4, 1_000);
    expect(input.nowMs).toBe(1_000);
    expect(input.sites.map((s) => s.site)).toEqual(["san-francisco", "berlin", "sydney"]);
    // San Francisco: 40,000 W peak → 20,000 now, then 15,000, 10,000, 5,000, 0.
    expect(input.sites[0]).toEqual({
      site: "san-francisco", health: "healthy", capacityRps: 800, wattsPerRps: 25, baseLoadWatts: 0,
      pvNowWatts: 20_000, pvForecastWatts: [15_000, 10_000, 5_000, 0], batteryWh: 60_000, batterySoc: 0.5,
      gridCarbonGPerKwh: 210, latencyP95Ms: 0, loadRps: 0,
    });
    expect(input.services).toEqual([
      { service: "shop.example.com", demandRps: 600, upstreams: [
        { site: "san-francisco", upstream: "site-sf" }, { site: "berlin", upstream: "site-ber" }, { site: "sydney", upstream: "site-syd" },
      ] },
      { service: "search.example.com", demandRps: 300, upstreams: [
        { site: "san-francisco", upstream: "site-sf" }, { site: "berlin", upstream: "site-ber" }, { site: "sydney", upstream: "site-syd" },
      ] },
    ]);
  });
});
