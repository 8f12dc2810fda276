// What every planner offers: a name for plans and metrics, its options, and one pure planning call.
import type { Plan } from "./plan.js";
import type { PlannerOptions } from "./planner-options.js";
import type { PlanInput } from "./site-state.js";

export interface Planner {
  /** Carried into every plan it makes (`Plan.planner`). */
  readonly name: string;
  readonly options: PlannerOptions;
  /** Plans one cycle; `previous` is the last plan published (null on the first cycle). */
  plan(input: PlanInput, previous?: Plan | null): Plan;
}
