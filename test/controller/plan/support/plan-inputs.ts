// Builders for planner inputs: a site or service with plain defaults and the fields a test is
// about, and readers that pull weights and site figures out of a plan by name.
import type { Plan, SiteExplanation } from "../../../../controller/plan/plan.js";
import type { PlanInput, ServiceDemand, SiteState } from "../../../../controller/plan/site-state.js";

export const T0 = Date.UTC(2022, 5, 15, 12, 0, 0);

/** A healthy site of 100 rps at 1 W per rps, no sun, no battery, 100 gCO2/kWh. */
export function site(name: string, fields: Partial<Omit<SiteState, "site">> = {}): SiteState {
  return {
    site: name,
    health: "healthy",
    capacityRps: 100,
    wattsPerRps: 1,
    baseLoadWatts: 0,
    pvNowWatts: 0,
    pvForecastWatts: [],
    batteryWh: 0,
    batterySoc: 0,
    gridCarbonGPerKwh: 100,
    latencyP95Ms: 50,
    loadRps: 0,
    ...fields,
  };
}

/** A service with an upstream `<service>-<site>` in each of `sites`. */
export function service(name: string, demandRps: number, sites: readonly string[]): ServiceDemand {
  return { service: name, demandRps, upstreams: sites.map((s) => ({ site: s, upstream: `${name}-${s}` })) };
}

/** One service, "api", over every site. */
export function input(sites: readonly SiteState[], demandRps: number, nowMs = T0): PlanInput {
  return { nowMs, sites, services: [service("api", demandRps, sites.map((s) => s.site))] };
}

/** A service's weights in the order of its upstreams. */
export function weightsOf(plan: Plan, serviceKey = "api"): number[] {
  const svc = plan.services.find((s) => s.service === serviceKey);
  if (svc === undefined) throw new Error(`no service ${serviceKey} in plan`);
  return svc.upstreams.map((u) => u.weight);
}

export function siteOf(plan: Plan, name: string): SiteExplanation {
  const s = plan.sites.find((x) => x.site === name);
  if (s === undefined) throw new Error(`no site ${name} in plan`);
  return s;
}
