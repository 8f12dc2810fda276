// The planner: site state and service demand in, integer weights and explanations out. A pure
// function of its input, the previous plan and options fixed when the planner is made.
import { allocate, type ServiceNeed, type SitePool } from "./allocate.js";
import { checkPlanInput } from "../check-input.js";
import { siteLoads, type ServiceLoad } from "../damp.js";
import { heldForLatency, settleWeights } from "../settle-weights.js";
import { gridCarbonGPerHour, renewableRps, siteLimit, siteReasons } from "./energy-budget.js";
import type { Plan, SiteExplanation } from "../plan.js";
import { resolvePlannerOptions, type PlannerOptions } from "../planner-options.js";
import { weightsFromShares } from "../round-weights.js";
import type { Planner } from "../planner.js";
import type { PlanInput } from "../site-state.js";

export type { Planner } from "../planner.js";

/** Validates the options once; throws PlannerError naming a bad one. */
export function createPlanner(overrides: Partial<PlannerOptions> = {}): Planner {
  const options = resolvePlannerOptions(overrides);
  return { name: "greedy", options, plan: (input, previous = null) => planCycle(input, previous, options) };
}

function planCycle(input: PlanInput, previous: Plan | null, options: PlannerOptions): Plan {
  checkPlanInput(input);
  const scale = options.weightScale;
  const siteIndex = new Map(input.sites.map((s, i) => [s.site, i]));
  const limits = input.sites.map((s) => siteLimit(s, options, heldForLatency(previous, s.site)));
  const renewable = input.sites.map((s) => renewableRps(s, options));
  const limitRps = limits.map((l) => (l.eligible ? l.limitRps : 0));
  const pools: SitePool[] = input.sites.map((s, i) => ({
    limitRps: limitRps[i]!,
    renewableRps: renewable[i]!,
    carbonGPerKwh: s.gridCarbonGPerKwh,
  }));

  const loads: ServiceLoad[] = input.services.map((svc) => ({
    demandRps: svc.demandRps,
    siteOf: svc.upstreams.map((u) => siteIndex.get(u.site)!),
  }));
  const eligible = loads.map((l) => l.siteOf.map((i) => limits[i]!.eligible));
  const needs: ServiceNeed[] = loads.map((l, s) => ({
    demandRps: l.demandRps,
    sites: l.siteOf.filter((_, j) => eligible[s]![j]),
  }));
  const allocation = allocate(pools, needs);

  const targets = input.services.map((_, s) => weightsFromShares(allocation.shares[s]!, eligible[s]!, scale));

  const { weights, services } = settleWeights(input, previous, targets, eligible, loads, limitRps, options);

  const planned = siteLoads(weights, loads, input.sites.length, scale);
  // One weight unit of every service there: what rounding alone can move a site by.
  const unitRps = siteLoads(weights.map((w) => w.map(() => 1)), loads, input.sites.length, scale);
  const sites: SiteExplanation[] = input.sites.map((site, i) => {
    const plannedRps = planned[i]!;
    const renewableServed = Math.min(plannedRps, renewable[i]!);
    const gridRps = Math.max(0, plannedRps - renewableServed);
    return {
      site: site.site,
      limitRps: limitRps[i]!,
      renewableCapacityRps: renewable[i]!,
      plannedRps,
      renewableRps: renewableServed,
      gridRps,
      gridCarbonGPerHour: gridCarbonGPerHour(site, gridRps),
      reasons: siteReasons(limits[i]!, plannedRps, renewableServed, gridRps, allocation.shortfall, unitRps[i]!),
    };
  });
  return { nowMs: input.nowMs, planner: "greedy", fallback: null, weightScale: scale, shortfall: allocation.shortfall, services, sites };
}
