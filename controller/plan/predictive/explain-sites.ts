// Per-site explanations of a predictive plan, in the greedy planner's terms: renewable capacity is
// what PV and the planned battery discharge leave for requests in step 0, once the base load and
// any charging are covered.
import { gridCarbonGPerHour, siteReasons, type SiteLimit } from "../greedy/energy-budget.js";
import type { SiteExplanation } from "../plan.js";
import type { SiteState } from "../site-state.js";
import type { PlannedTrajectory } from "./trajectory.js";

export function explainSites(
  sites: readonly SiteState[],
  limits: readonly SiteLimit[],
  trajectory: PlannedTrajectory,
  plannedRps: readonly number[],
  unitRps: readonly number[],
  shortfall: boolean,
): SiteExplanation[] {
  return sites.map((site, i) => {
    const t = trajectory.sites[i]!;
    const limit = limits[i]!;
    const renewableW = t.pvWatts[0]! + t.dischargeWatts[0]! - t.chargeWatts[0]! - site.baseLoadWatts;
    const renewableCapacityRps = Math.max(0, renewableW) / site.wattsPerRps;
    const planned = plannedRps[i]!;
    const renewableRps = Math.min(planned, renewableCapacityRps);
    const gridRps = Math.max(0, planned - renewableRps);
    return {
      site: site.site,
      limitRps: limit.eligible ? limit.limitRps : 0,
      renewableCapacityRps,
      plannedRps: planned,
      renewableRps,
      gridRps,
      gridCarbonGPerHour: site.offGrid === true ? 0 : gridCarbonGPerHour(site, gridRps),
      reasons: siteReasons(limit, planned, renewableRps, gridRps, shortfall, unitRps[i]!),
    };
  });
}
