// Every policy the simulator can compare, by the name `--policies` takes. The controller's own
// planners come in with the options the controller gives them.
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import { createPredictivePlanner } from "../../../controller/plan/predictive/predictive-planner.js";
import type { PlanSolver } from "../../../controller/plan/predictive/plan-solver.js";
import { oracle } from "../oracle/oracle.js";
import type { Policy } from "../policy.js";
import type { Scenario } from "../scenario/scenario.js";
import { capacityProportional, carbonGreedy, roundRobin, solarGreedy } from "./baselines.js";
import { plannerPolicy } from "./planner-policy.js";

export const POLICY_NAMES = ["round-robin", "capacity", "carbon-greedy", "solar-greedy", "planner", "predictive", "oracle"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Forecast steps the controller's plan step gives the greedy planner (an hour of 5-minute steps). */
const GREEDY_HORIZON_STEPS = 12;

export interface PolicyContext {
  readonly scenario: Scenario;
  readonly solver: PlanSolver;
  /** The predictive planner's time budget per cycle, ms (default: its own, 50 ms). */
  readonly timeBudgetMs?: number;
}

export function makePolicy(name: PolicyName, ctx: PolicyContext): Policy {
  const { scenario } = ctx;
  switch (name) {
    case "round-robin":
      return roundRobin();
    case "capacity":
      return capacityProportional();
    case "carbon-greedy":
      return carbonGreedy(scenario.headroom);
    case "solar-greedy":
      return solarGreedy(scenario.headroom);
    case "planner":
      // The planning interval is the simulator's step: damping allows maxStep per step.
      return plannerPolicy("planner", createPlanner({ headroom: scenario.headroom, stepIntervalSeconds: scenario.stepSeconds }), GREEDY_HORIZON_STEPS);
    case "predictive": {
      const planner = createPredictivePlanner({
        headroom: scenario.headroom,
        stepIntervalSeconds: scenario.stepSeconds,
        stepSeconds: scenario.stepSeconds,
        ...(ctx.timeBudgetMs !== undefined ? { timeBudgetMs: ctx.timeBudgetMs } : {}),
      }, ctx.solver);
      return plannerPolicy("predictive", planner, planner.options.horizonSteps, true);
    }
    case "oracle":
      return oracle(scenario, ctx.solver);
  }
}

/** Parses `--policies a,b`; throws naming the unknown name and the known ones. */
export function parsePolicyNames(list: string): PolicyName[] {
  const names = list.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new Error(`--policies: expected a comma-separated list of ${POLICY_NAMES.join(", ")}`);
  for (const n of names) {
    if (!(POLICY_NAMES as readonly string[]).includes(n)) {
      throw new Error(`--policies: unknown policy '${n}', expected one of ${POLICY_NAMES.join(", ")}`);
    }
  }
  return [...new Set(names)] as PolicyName[];
}
