// The planner the configuration asks for (`planning.planner`), ready before the first cycle. The
// predictive planner needs the HiGHS solver, whose WebAssembly loads asynchronously, and its
// first solves run while V8 still compiles that code: one warm-up solve on an input shaped like
// the real ones, discarded, keeps that cost out of the first table's cycle and its time budget.
import type { ControllerConfig } from "../config/load.js";
import { createPlanner } from "./greedy/greedy-planner.js";
import type { Planner } from "./planner.js";
import { loadPlanSolver, type PlanSolver } from "./predictive/plan-solver.js";
import { createPredictivePlanner, type PredictivePlanner } from "./predictive/predictive-planner.js";
import type { PlanFallback } from "./plan.js";
import type { PlanInput } from "./site-state.js";

/** What the warm-up did, for the start's log line. */
export interface WarmUp {
  /** Wall time of the warm-up plan, solver included. */
  readonly ms: number;
  /** Non-null when even the warm-up solve fell back (it failed, or ran past its 2 s budget). */
  readonly fallback: PlanFallback | null;
}

/** Solver time the warm-up solve may take: a cold solve is several times a warm one, not seconds. */
const WARM_UP_BUDGET_MS = 2_000;

export interface ConfiguredPlanner {
  readonly planner: Planner;
  /** Null for the greedy planner, which has nothing to warm up. */
  readonly warmUp: WarmUp | null;
}

/**
 * Makes the configured planner with the configuration's headroom, and one damping step per
 * planning interval (however many urgent cycles run in between). `solver` is for tests; by
 * default the process-wide HiGHS solver is loaded.
 */
export async function createConfiguredPlanner(
  config: Pick<ControllerConfig, "planning" | "sites" | "services">,
  options: { solver?: PlanSolver; clock?: () => number } = {},
): Promise<ConfiguredPlanner> {
  const { planning } = config;
  const shared = { headroom: planning.headroom, stepIntervalSeconds: planning.intervalMs / 1000 };
  if (planning.planner === "greedy") return { planner: createPlanner(shared), warmUp: null };
  const solver = options.solver ?? await loadPlanSolver();
  const predictive = { ...shared, horizonSteps: planning.horizonSteps };
  const planner = createPredictivePlanner({ ...predictive, timeBudgetMs: planning.timeBudgetMs }, solver);
  // The first solve runs while the solver's code is still being compiled and can take a few times
  // the cycle's budget; the warm-up gets room to finish it, on the same solver and code.
  const warmUpPlanner = createPredictivePlanner({ ...predictive, timeBudgetMs: Math.max(WARM_UP_BUDGET_MS, planning.timeBudgetMs) }, solver);
  const clock = options.clock ?? Date.now;
  const started = performance.now();
  const plan = warmUpPlanner.plan(warmUpInput(config, planning.horizonSteps, clock()));
  return { planner, warmUp: { ms: performance.now() - started, fallback: plan.fallback } };
}


/** The number of forecast steps (PV, demand) a planner reads, at `stepSeconds` per step. */
export function plannerHorizonSteps(planner: Planner, stepSeconds: number): number {
  if (isPredictive(planner)) return planner.options.horizonSteps;
  // The greedy planner spreads usable battery energy over horizonSeconds and averages PV over it.
  return Math.ceil(planner.options.horizonSeconds / stepSeconds);
}

function isPredictive(planner: Planner): planner is PredictivePlanner {
  return "horizonSteps" in planner.options;
}

/**
 * An input of the configured mesh's shape, so the warm-up solves a program of the real size:
 * every site healthy at its configured capacity, half its PV peak now and falling to none over
 * the horizon (a sunset, so batteries and moves are in play), batteries half full, each service
 * at its configured demand.
 */
export function warmUpInput(config: Pick<ControllerConfig, "sites" | "services">, horizonSteps: number, nowMs: number): PlanInput {
  const sunset = (peak: number) => Array.from({ length: horizonSteps }, (_, k) => (peak / 2) * (1 - (k + 1) / horizonSteps));
  return {
    nowMs,
    sites: config.sites.map((site) => ({
      site: site.name,
      health: "healthy",
      capacityRps: site.capacityRps,
      wattsPerRps: site.wattsPerRps,
      baseLoadWatts: 0,
      pvNowWatts: site.pvPeakWatts / 2,
      pvForecastWatts: sunset(site.pvPeakWatts),
      batteryWh: site.batteryWh,
      batterySoc: 0.5,
      gridCarbonGPerKwh: site.gridCarbon,
      latencyP95Ms: 0,
      loadRps: 0,
    })),
    services: config.services.map((s) => ({
      service: s.key,
      demandRps: s.demandRps,
      upstreams: Object.entries(s.upstreams).map(([site, upstream]) => ({ site, upstream })),
    })),
  };
}
