// What the planner returns: integer weights per service and upstream, ready for the weight
// table, and an explanation per site for logs and the ledger.
import type { Service } from "../table/weight-table.js";
import type { SiteId } from "./site-state.js";

/** Why a site got what it got. Fixed strings: logs and the ledger count them. */
export const SITE_REASONS = [
  "unhealthy", // health checks failed: drained at once
  "drain_requested", // an operator drains the site: drained at once
  "no_capacity", // healthy, but capacityRps × (1 − headroom) is 0
  "latency_over_limit", // p95 latency over the limit: held at its observed load
  "renewable", // serves requests on renewable power
  "grid", // serves requests on grid power
  "at_limit", // planned at its limit: capacityRps × (1 − headroom), or the latency hold
  "capacity_shortfall", // demand exceeds what the sites may take: spread by limit
  "idle", // eligible, but nothing planned there this cycle
] as const;

export type SiteReason = (typeof SITE_REASONS)[number];

/** How damping treated a service's weights this cycle. */
export type Damping =
  | "initial" // no usable previous weights: the target as it is
  | "target" // the target was within one step
  | "held" // every change was below the hysteresis threshold: previous weights kept
  | "stepped" // moved towards the target by the step the time since the last plan allows (maybe 0)
  | "capacity" // a step would have overloaded a site: moved on towards the target as far as that needs
  | "shortfall"; // capacity shortfall taken at once (not produced by the greedy planner, which damps shortfalls too)

export interface PlannedUpstream {
  readonly upstream: string;
  readonly site: SiteId;
  /** Integer ≥ 0; a service's weights sum to the weight scale when it has an eligible site. */
  readonly weight: number;
  /** The undamped weight the planner is moving towards. */
  readonly targetWeight: number;
  readonly draining: boolean;
}

export interface ServicePlan {
  readonly service: string;
  readonly demandRps: number;
  readonly upstreams: readonly PlannedUpstream[];
  /** False when none of the service's sites may take traffic: all weights 0, the filter fails open. */
  readonly eligible: boolean;
  readonly damping: Damping;
}

export interface SiteExplanation {
  readonly site: SiteId;
  /** Most requests/s the planner may send there (0 when drained). */
  readonly limitRps: number;
  /** Requests/s the site could serve on renewable power. */
  readonly renewableCapacityRps: number;
  /** Requests/s the published weights send there, all services together. */
  readonly plannedRps: number;
  /** The part of plannedRps served on renewable power, and the rest on grid power. */
  readonly renewableRps: number;
  readonly gridRps: number;
  readonly gridCarbonGPerHour: number;
  readonly reasons: readonly SiteReason[];
}

/** Why a planner answered with another planner's plan. Fixed strings: logs and metrics count them. */
export const FALLBACK_REASONS = [
  "infeasible", // the linear program has no solution (e.g. a latency SLO no eligible site meets)
  "solver_error", // the solver failed or returned no usable solution
  "time_budget", // the solver ran out of its time budget for the cycle
] as const;

export type FallbackReason = (typeof FALLBACK_REASONS)[number];

export interface PlanFallback {
  readonly reason: FallbackReason;
  /** What the solver said, for logs. */
  readonly detail: string;
}

export interface Plan {
  readonly nowMs: number;
  /** Which planner made these weights (`greedy`, `predictive`). */
  readonly planner: string;
  /** Non-null when the planner asked for could not plan and this is a fallback planner's answer. */
  readonly fallback: PlanFallback | null;
  readonly weightScale: number;
  /** Demand exceeded what the sites may take: weights follow site limits, sites run above them. */
  readonly shortfall: boolean;
  readonly services: readonly ServicePlan[];
  readonly sites: readonly SiteExplanation[];
}

/** The plan's weights as weight table services (no canary weights), sorted by key. */
export function planToServices(plan: Plan): Service[] {
  return plan.services
    .map((s) => ({
      key: s.service,
      upstreams: s.upstreams.map((u) => ({ name: u.upstream, weight: u.weight, canaryWeight: 0, draining: u.draining })),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
