// One site over one step: the power its load draws, met by PV first, then the battery above its
// reserve, then the grid. Surplus PV charges the battery (never the grid: the battery holds only
// renewable energy). A site without grid power whose PV and battery cannot carry it goes down.
import type { SimSite } from "./scenario/scenario.js";

export interface SiteStepInput {
  readonly site: SimSite;
  readonly stepHours: number;
  /** Mean PV power this step, W. */
  readonly pvWatts: number;
  /** Requests/s sent to the site this step. */
  readonly loadRps: number;
  /** Grid power this step (connected and no outage). */
  readonly gridAvailable: boolean;
  /** Battery usable this step (no battery fault). */
  readonly batteryAvailable: boolean;
  /** False during a site outage: no request is served, nothing is drawn. */
  readonly running: boolean;
}

export interface SiteStepOutcome {
  /** Battery energy after the step, Wh. */
  readonly storedWh: number;
  /** Power drawn by the site, W (0 when not running). */
  readonly demandWatts: number;
  /** Part of it met by PV directly, by the battery, and by the grid, W. */
  readonly pvUsedWatts: number;
  readonly batteryWatts: number;
  readonly gridWatts: number;
  /** Power nobody could supply (only without grid), W; its share of the step's requests is lost. */
  readonly unmetWatts: number;
  /** Battery charging power from PV surplus, W. */
  readonly chargeWatts: number;
}

const EPS = 1e-9;

/** Advances one site by one step from `storedWh`; pure. */
export function stepSite(input: SiteStepInput, storedWh: number): SiteStepOutcome {
  const { site, stepHours: h } = input;
  const b = site.battery;
  const root = Math.sqrt(b.roundTripEfficiency);
  const demand = input.running ? site.baseLoadWatts + site.wattsPerRps * input.loadRps : 0;
  const pvUsed = Math.min(input.pvWatts, demand);
  const surplus = input.pvWatts - pvUsed;
  let deficit = demand - pvUsed;
  let stored = storedWh;
  let charge = 0;
  let discharge = 0;
  if (input.batteryAvailable && b.capacityWh > 0) {
    charge = Math.min(surplus, b.chargeWatts, Math.max(0, (b.capacityWh - stored) / (root * h)));
    stored += charge * root * h;
    const floor = b.reserveSoc * b.capacityWh;
    discharge = Math.min(deficit, b.dischargeWatts, Math.max(0, ((stored - floor) * root) / h));
    stored -= (discharge / root) * h;
    deficit -= discharge;
  }
  const grid = input.gridAvailable ? deficit : 0;
  const unmet = input.gridAvailable || deficit <= EPS ? 0 : deficit;
  return {
    storedWh: Math.min(b.capacityWh, Math.max(0, stored)),
    demandWatts: demand,
    pvUsedWatts: pvUsed,
    batteryWatts: discharge,
    gridWatts: grid,
    unmetWatts: unmet,
    chargeWatts: charge,
  };
}
