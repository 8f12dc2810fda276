// What the linear program planned over the whole horizon, read back from its solution: per step
// shares, site loads and energy flows, and each battery's state of charge. Only step 0 becomes
// weights; the rest is for tests, logs and the simulator's plots.
import type { PlanInput, SiteId } from "../site-state.js";
import type { LpLayout } from "./build-lp.js";

export interface PlannedSiteTrajectory {
  readonly site: SiteId;
  /** Battery state of charge (fraction of batteryWh): now, then after each period; all 0 without a battery. */
  readonly soc: readonly number[];
  /** Per period: requests/s planned there, all services together (mean demand). */
  readonly loadRps: readonly number[];
  readonly pvWatts: readonly number[];
  readonly gridWatts: readonly number[];
  readonly chargeWatts: readonly number[];
  readonly dischargeWatts: readonly number[];
  /** PV power neither used nor stored. */
  readonly spillWatts: readonly number[];
  /** Power an off-grid site lacks (0 when the plan is sound). */
  readonly deficitWatts: readonly number[];
  /** Requests/s above the site's limit. */
  readonly overloadRps: readonly number[];
}

/**
 * Values are per period of the program (horizon.ts periodLengths): period 0 is the step that
 * starts now, and period k lasts periodSteps[k] steps of stepSeconds; rates are the period's mean.
 */
export interface PlannedTrajectory {
  readonly stepSeconds: number;
  readonly periodSteps: readonly number[];
  /** Per service and upstream (input order), per period: share of the service's demand (0 if ineligible). */
  readonly shares: readonly (readonly (readonly number[])[])[];
  readonly sites: readonly PlannedSiteTrajectory[];
  /** The program's objective: gCO2 and the gCO2-equivalents of the other terms. */
  readonly objective: number;
}

export function readTrajectory(
  input: PlanInput,
  layout: LpLayout,
  x: Float64Array,
  objective: number,
  stepSeconds: number,
): PlannedTrajectory {
  const K = layout.steps;
  const column = (start: number, k: number): number => (start >= 0 ? Math.max(0, x[start + k]!) : 0);
  const steps = (f: (k: number) => number): number[] => Array.from({ length: K }, (_, k) => f(k));
  const shares = input.services.map((svc, s) => svc.upstreams.map((_, u) => steps((k) => Math.min(1, column(layout.share[s]![u]!, k)))));
  const sites = input.sites.map((site, i): PlannedSiteTrajectory => {
    const loadRps = steps((k) => {
      let load = 0;
      input.services.forEach((svc, s) => svc.upstreams.forEach((up, u) => {
        if (up.site === site.site) load += shares[s]![u]![k]! * layout.demandRps[s]![k]!;
      }));
      return load;
    });
    const pvWatts = Array.from(layout.pvWatts[i]!);
    // A site with no traffic and no battery has no columns: its grid power is simply what PV leaves.
    const modelled = layout.grid[i]! >= 0 || layout.deficit[i]! >= 0;
    const gridWatts = steps((k) => {
      if (layout.gridDirect[i * K + k] === 1) return site.baseLoadWatts - pvWatts[k]! + site.wattsPerRps * loadRps[k]!;
      if (modelled) return column(layout.grid[i]!, k);
      return site.offGrid === true ? 0 : Math.max(0, site.baseLoadWatts - pvWatts[k]!);
    });
    const chargeWatts = steps((k) => column(layout.charge[i]!, k));
    const dischargeWatts = steps((k) => column(layout.discharge[i]!, k));
    const deficitWatts = steps((k) => column(layout.deficit[i]!, k));
    const spillWatts = steps((k) => Math.max(0,
      pvWatts[k]! + gridWatts[k]! + dischargeWatts[k]! + deficitWatts[k]! - chargeWatts[k]! - site.baseLoadWatts - site.wattsPerRps * loadRps[k]!));
    // A battery the program left out (none, or too small to plan) keeps its charge.
    const now = site.batteryWh > 0 ? site.batterySoc : 0;
    const soc = [now, ...steps((k) => (layout.stored[i]! >= 0 ? column(layout.stored[i]!, k) / site.batteryWh : now))];
    return {
      site: site.site,
      soc,
      loadRps,
      pvWatts,
      gridWatts,
      chargeWatts,
      dischargeWatts,
      spillWatts,
      deficitWatts,
      overloadRps: steps((k) => column(layout.overload[i]!, k)),
    };
  });
  return { stepSeconds, periodSteps: layout.periodSteps, shares, sites, objective };
}
