// The planner's energy model, kept deliberately small so every number in a plan can be checked
// by hand:
//
//   renewable power  R = max(0, mean(pvNow, ...pvForecast) + battery − baseLoad)     [W]
//   battery          = max(0, soc − reserveSoc) × batteryWh / horizon (h)            [W]
//   renewable rps    = R / wattsPerRps         (requests/s served without grid power)
//   limit rps        = capacityRps × (1 − headroom), or 0 for an unhealthy or draining site,
//                      or at most the observed load while the latency hold is on: it comes on
//                      when p95 is above latencyLimitMs and goes off only once p95 is below
//                      latencyLimitMs × latencyReleaseFraction (hysteresis, so a p95 near the
//                      limit does not flip the site in and out every cycle)
//   grid rps         = planned − min(planned, renewable rps), at the grid's gCO2/kWh
//
// The forecast mean makes a site whose sun is setting lose traffic before it goes dark; the base
// load is covered first because it is drawn whether or not requests arrive. No battery charge or
// discharge-rate limits: the battery term is an average over the horizon, not a schedule.
import type { PlannerOptions } from "../planner-options.js";
import type { SiteReason } from "../plan.js";
import type { SiteState } from "../site-state.js";

/** Mean PV power over now and the forecast steps, in watts. */
export function plannedPvWatts(site: SiteState): number {
  const sum = site.pvForecastWatts.reduce((a, w) => a + w, site.pvNowWatts);
  return sum / (1 + site.pvForecastWatts.length);
}

/** Average power the battery can give above its reserve over the horizon, in watts. */
export function batteryWatts(site: SiteState, options: PlannerOptions): number {
  const usableWh = Math.max(0, site.batterySoc - options.batteryReserveSoc) * site.batteryWh;
  return usableWh / (options.horizonSeconds / 3600);
}

/** Renewable power left for requests once the base load is covered, in watts. */
export function renewableWatts(site: SiteState, options: PlannerOptions): number {
  return Math.max(0, plannedPvWatts(site) + batteryWatts(site, options) - site.baseLoadWatts);
}

/** Requests/s the site can serve on renewable power. */
export function renewableRps(site: SiteState, options: PlannerOptions): number {
  return renewableWatts(site, options) / site.wattsPerRps;
}

export type SiteLimit =
  | { readonly eligible: false; readonly reason: "unhealthy" | "drain_requested" | "no_capacity" | "latency_over_limit" }
  | { readonly eligible: true; readonly limitRps: number; readonly latencyHeld: boolean };

/** Whether p95 latency holds a site, given whether the previous plan held it. */
export function latencyOverLimit(site: SiteState, options: PlannerOptions, heldBefore: boolean): boolean {
  if (heldBefore) return site.latencyP95Ms >= options.latencyLimitMs * options.latencyReleaseFraction;
  return site.latencyP95Ms > options.latencyLimitMs;
}

/**
 * The most the planner may send to a site, and why a site gets nothing. `heldBefore`: the
 * previous plan held the site for latency (its reasons had `latency_over_limit`).
 */
export function siteLimit(site: SiteState, options: PlannerOptions, heldBefore = false): SiteLimit {
  if (site.health === "unhealthy") return { eligible: false, reason: "unhealthy" };
  if (site.health === "draining") return { eligible: false, reason: "drain_requested" };
  const byCapacity = site.capacityRps * (1 - options.headroom);
  const latencyHeld = latencyOverLimit(site, options, heldBefore) && site.loadRps < byCapacity;
  const limitRps = latencyHeld ? site.loadRps : byCapacity;
  if (!(limitRps > 0)) return { eligible: false, reason: latencyHeld ? "latency_over_limit" : "no_capacity" };
  return { eligible: true, limitRps, latencyHeld };
}

/** Grid carbon of serving `gridRps` at the site, in grams of CO2 per hour. */
export function gridCarbonGPerHour(site: SiteState, gridRps: number): number {
  return (gridRps * site.wattsPerRps * site.gridCarbonGPerKwh) / 1000;
}

const EPSILON = 1e-9;

/** Why a site got what it got, for every planner's explanation (`unitRps`: what one weight unit of every service moves it by). */
export function siteReasons(limit: SiteLimit, planned: number, renewable: number, grid: number, shortfall: boolean, unitRps: number): SiteReason[] {
  if (!limit.eligible) return [limit.reason];
  const reasons: SiteReason[] = [];
  if (limit.latencyHeld) reasons.push("latency_over_limit");
  if (shortfall) reasons.push("capacity_shortfall");
  if (renewable > EPSILON) reasons.push("renewable");
  if (grid > EPSILON) reasons.push("grid");
  if (planned > EPSILON && planned >= limit.limitRps - unitRps - EPSILON) reasons.push("at_limit");
  if (planned <= EPSILON) reasons.push("idle");
  return reasons;
}
