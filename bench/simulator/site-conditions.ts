// What holds for a site during step t (running, grid, battery, added latency): read from the
// scenario's faults and grid outages, by the run's physics and by the oracle alike.
import type { Scenario, SimFault, SimSite } from "./scenario/scenario.js";

export interface SiteConditions {
  /** False during a site outage. */
  readonly running: boolean;
  /** Connected and no grid outage. */
  readonly gridAvailable: boolean;
  /** No battery fault. */
  readonly batteryAvailable: boolean;
  /** Latency a spike adds to the site's responses, ms. */
  readonly spikeMs: number;
}

export function siteConditions(scenario: Scenario, site: SimSite, t: number): SiteConditions {
  const on = (f: SimFault): boolean => f.site === site.name && t >= f.fromStep && t < f.toStep;
  let running = true;
  let batteryAvailable = true;
  let spikeMs = 0;
  for (const f of scenario.faults) {
    if (!on(f)) continue;
    if (f.kind === "site_outage") running = false;
    else if (f.kind === "battery_fault") batteryAvailable = false;
    else spikeMs += f.addedMs;
  }
  const gridAvailable = site.gridConnected && !site.gridOutages.some((w) => t >= w.fromStep && t < w.toStep);
  return { running, gridAvailable, batteryAvailable, spikeMs };
}
