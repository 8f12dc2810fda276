// One of the controller's own planners as a policy: the same module the controller runs, fed the
// same plan input, keeping its previous plan between steps as the controller's plan step does.
import type { Plan } from "../../../controller/plan/plan.js";
import type { Planner } from "../../../controller/plan/planner.js";
import type { Policy } from "../policy.js";

/** `warmUp`: plan the first input once and drop it, so compiling the solver's code does not eat the first cycle's time budget. */
export function plannerPolicy(name: string, planner: Planner, horizonSteps: number, warmUp = false): Policy {
  let previous: Plan | null = null;
  let cold = warmUp;
  return {
    name,
    horizonSteps,
    decide: (input) => {
      if (cold) {
        planner.plan(input, null);
        cold = false;
      }
      const plan = planner.plan(input, previous);
      previous = plan;
      return {
        shares: plan.services.map((svc) => svc.upstreams.map((u) => u.weight / plan.weightScale)),
        fallback: plan.fallback?.reason ?? null,
      };
    },
  };
}
