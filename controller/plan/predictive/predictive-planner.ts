// The predictive (model-predictive) planner: each cycle one linear program over the horizon
// (build-lp.ts), solved by HiGHS within a time budget; only step 0's shares are used, and they go
// through the same rounding, damping and site limits as the greedy planner's. When the solver
// fails, finds no solution or runs out of time, the greedy planner answers, with the reason.
import { checkPlanInput } from "../check-input.js";
import { siteLoads, type ServiceLoad } from "../damp.js";
import { heldForLatency, previousWeights, settleWeights } from "../settle-weights.js";
import { createPlanner } from "../greedy/greedy-planner.js";
import { siteLimit } from "../greedy/energy-budget.js";
import type { FallbackReason, Plan } from "../plan.js";
import type { Planner } from "../planner.js";
import { DEFAULT_PLANNER_OPTIONS, type PlannerOptions } from "../planner-options.js";
import { weightsFromShares } from "../round-weights.js";
import type { PlanInput, ServiceDemand } from "../site-state.js";
import { buildLp } from "./build-lp.js";
import { checkLookAhead } from "./check-look-ahead.js";
import { explainSites } from "./explain-sites.js";
import type { LinearProgram, PlanSolver, SolveResult } from "./plan-solver.js";
import { resolvePredictiveOptions, type PredictivePlannerOptions } from "./predictive-options.js";
import { readTrajectory, type PlannedTrajectory } from "./trajectory.js";

export interface PredictiveResult {
  readonly plan: Plan;
  /** What the program planned over the horizon; null when the greedy planner answered. */
  readonly trajectory: PlannedTrajectory | null;
}

export interface PredictivePlanner extends Planner {
  readonly options: PredictivePlannerOptions;
  /** The plan together with the trajectory it was taken from (same plan as `plan`). */
  planWithTrajectory(input: PlanInput, previous?: Plan | null): PredictiveResult;
}

/** Validates the options once (PlannerError naming a bad one); `solver` from loadPlanSolver(). */
export function createPredictivePlanner(overrides: Partial<PredictivePlannerOptions>, solver: PlanSolver): PredictivePlanner {
  const options = resolvePredictiveOptions(overrides);
  const greedyOptions = Object.fromEntries(
    Object.keys(DEFAULT_PLANNER_OPTIONS).map((k) => [k, options[k as keyof PlannerOptions]]),
  ) as Partial<PlannerOptions>;
  const greedy = createPlanner(greedyOptions);
  const planWithTrajectory = (input: PlanInput, previous: Plan | null = null): PredictiveResult =>
    planCycle(input, previous, options, solver, greedy);
  return { name: "predictive", options, planWithTrajectory, plan: (input, previous = null) => planWithTrajectory(input, previous).plan };
}

const FALLBACK: Record<Exclude<SolveResult["status"], "optimal">, FallbackReason> = {
  infeasible: "infeasible",
  time_limit: "time_budget",
  error: "solver_error",
};

function planCycle(
  input: PlanInput,
  previous: Plan | null,
  options: PredictivePlannerOptions,
  solver: PlanSolver,
  greedy: Planner,
): PredictiveResult {
  checkPlanInput(input);
  checkLookAhead(input);
  const scale = options.weightScale;
  const siteIndex = new Map(input.sites.map((s, i) => [s.site, i]));
  const limits = input.sites.map((s) => siteLimit(s, options, heldForLatency(previous, s.site)));
  const limitRps = limits.map((l) => (l.eligible ? l.limitRps : 0));
  const siteOf = input.services.map((svc) => svc.upstreams.map((u) => siteIndex.get(u.site)!));
  const eligible = siteOf.map((list) => list.map((i) => limits[i]!.eligible));
  const previousShares = input.services.map((svc, s) => previousShareOf(previous, svc, eligible[s]!, scale));

  const { lp, layout } = buildLp({ input, options, limitRps, eligible, siteOf, previousShares });
  const solved: SolveResult = lp.numCols === 0
    ? { status: "optimal", x: new Float64Array(0), objective: 0 }
    : solveSafely(solver, lp, options.timeBudgetMs / 1000);
  if (solved.status !== "optimal") {
    const plan = greedy.plan(input, previous);
    return { plan: { ...plan, fallback: { reason: FALLBACK[solved.status], detail: solved.detail } }, trajectory: null };
  }
  const trajectory = readTrajectory(input, layout, solved.x, solved.objective, options.stepSeconds);

  // A shortfall now (not later in the horizon). Unlike the greedy planner's spread by limit, the
  // program's own step 0 is the target: it puts the overload where it costs least, never onto an
  // off-grid site's empty battery; it is damped like any target (the capacity rule still holds).
  const shortfall = trajectory.sites.some((s, i) => s.overloadRps[0]! > 1e-6 * Math.max(1, limitRps[i]!));
  const shares = input.services.map((_, s) =>
    proportional(eligible[s]!.flatMap((e, u) => (e ? [trajectory.shares[s]![u]![0]!] : []))));
  const targets = shares.map((sh, s) => weightsFromShares(sh, eligible[s]!, scale));

  const loads: ServiceLoad[] = input.services.map((svc, s) => ({ demandRps: svc.demandRps, siteOf: siteOf[s]! }));
  const { weights, services } = settleWeights(input, previous, targets, eligible, loads, limitRps, options);
  const planned = siteLoads(weights, loads, input.sites.length, scale);
  const unitRps = siteLoads(weights.map((w) => w.map(() => 1)), loads, input.sites.length, scale);
  const sites = explainSites(input.sites, limits, trajectory, planned, unitRps, shortfall);
  const plan: Plan = { nowMs: input.nowMs, planner: "predictive", fallback: null, weightScale: scale, shortfall, services, sites };
  return { plan, trajectory };
}

/** A solver that throws is a solver error like any other: the cycle still gets a plan. */
function solveSafely(solver: PlanSolver, lp: LinearProgram, seconds: number): SolveResult {
  try {
    return solver.solve(lp, seconds);
  } catch (error) {
    return { status: "error", detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Last published shares over the upstreams that may still take traffic, summing to 1 (weight on
 * a drained or removed upstream is spread over the rest in proportion): the churn term's origin.
 */
function previousShareOf(previous: Plan | null, service: ServiceDemand, eligible: readonly boolean[], scale: number): Float64Array | null {
  const last = previousWeights(previous, service, scale);
  if (last === null || last.total !== scale) return null;
  const kept = last.weights.map((w, u) => (eligible[u] ? w : 0));
  const sum = kept.reduce((a, b) => a + b, 0);
  return sum > 0 ? Float64Array.from(kept, (w) => w / sum) : null;
}

function proportional(values: readonly number[]): number[] {
  const clean = values.map((v) => (v > 0 ? v : 0));
  const sum = clean.reduce((a, b) => a + b, 0);
  return sum > 0 ? clean.map((v) => v / sum) : clean.map(() => 1 / clean.length);
}
