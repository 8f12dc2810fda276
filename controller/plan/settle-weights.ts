// What every planner does once it has a target: integer targets per service are damped from the
// last published weights (one maxStep per planning interval), caught up where a step would put a
// site over its limit, and returned as the plan's services. One place, so the greedy and the
// predictive planner give proxies the same guarantees.
import { catchUpForCapacity, dampService, stepFraction, type Damped, type PreviousWeights, type ServiceLoad } from "./damp.js";
import type { Plan, ServicePlan } from "./plan.js";
import type { PlannerOptions } from "./planner-options.js";
import type { PlanInput, ServiceDemand } from "./site-state.js";

export interface Settled {
  readonly weights: number[][];
  readonly services: ServicePlan[];
}

/** `targets[s]` sums to the scale over `eligible[s]` (or is all 0); `loads[s]` maps upstreams to site indices. */
export function settleWeights(
  input: PlanInput,
  previous: Plan | null,
  targets: readonly (readonly number[])[],
  eligible: readonly (readonly boolean[])[],
  loads: readonly ServiceLoad[],
  limitRps: readonly number[],
  options: PlannerOptions,
): Settled {
  const scale = options.weightScale;
  // A shortfall is damped like any cycle; the capacity rule keeps every site within what the target puts there.
  const fraction = stepFraction(previous?.nowMs ?? null, input.nowMs, options.stepIntervalSeconds);
  const damped: Damped[] = input.services.map((svc, s) => {
    if (!eligible[s]!.some(Boolean)) return { weights: [...targets[s]!], damping: "target" };
    return dampService(targets[s]!, previousWeights(previous, svc, scale), eligible[s]!, options, fraction);
  });
  const weights = damped.map((d) => d.weights);
  const snapped = catchUpForCapacity(weights, targets, loads, limitRps, scale);
  const services: ServicePlan[] = input.services.map((svc, s) => ({
    service: svc.service,
    demandRps: svc.demandRps,
    eligible: eligible[s]!.some(Boolean),
    damping: snapped[s] ? "capacity" : damped[s]!.damping,
    upstreams: svc.upstreams.map((u, j) => ({
      upstream: u.upstream,
      site: u.site,
      weight: weights[s]![j]!,
      targetWeight: targets[s]![j]!,
      draining: input.sites[loads[s]!.siteOf[j]!]!.health !== "healthy",
    })),
  }));
  return { weights, services };
}

/** Whether the previous plan held the site for latency: the hold then ends only below the release level. */
export function heldForLatency(previous: Plan | null, site: string): boolean {
  return previous?.sites.find((s) => s.site === site)?.reasons.includes("latency_over_limit") ?? false;
}

/** Last cycle's weights for this service's upstreams, matched by upstream name. */
export function previousWeights(previous: Plan | null, service: ServiceDemand, scale: number): PreviousWeights | null {
  if (previous === null || previous.weightScale !== scale) return null;
  const last = previous.services.find((p) => p.service === service.service);
  if (last === undefined) return null;
  const byName = new Map(last.upstreams.map((u) => [u.upstream, u.weight]));
  return {
    weights: service.upstreams.map((u) => byName.get(u.upstream) ?? 0),
    total: last.upstreams.reduce((a, u) => a + u.weight, 0),
  };
}
