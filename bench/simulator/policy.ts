// What a policy is to the simulator: at the start of each step it gets what the controller
// would know then (a PlanInput built only from earlier steps, observe.ts) and answers with a
// traffic share per service and site.
import type { PlanInput } from "../../controller/plan/site-state.js";

export interface PolicyDecision {
  /** Per service (scenario order), a share per site of that service (its `sites` order); each row sums to 1, or is all 0 (fail open). */
  readonly shares: readonly (readonly number[])[];
  /** Set when a planner fell back to another (e.g. the predictive planner to the greedy one). */
  readonly fallback?: string | null;
}

/** The run's true state, which only the oracle reads (every other policy sees the PlanInput alone). */
export interface PolicyTruth {
  /** Battery energy per site now, Wh (also during a battery fault, when the view shows no battery). */
  readonly storedWh: Float64Array;
}

export interface Policy {
  readonly name: string;
  /** Forecast steps the policy reads (0: none, so the simulator does not compute any). */
  readonly horizonSteps: number;
  decide(input: PlanInput, step: number, truth?: PolicyTruth): PolicyDecision;
}
