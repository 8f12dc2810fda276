// One planning step: what the controller knows (configuration, each site's energy state, what the
// filters report) turned into the planner's input, planned against the previous plan, and returned
// as table services together with the inputs it was planned from, so the ledger records exactly
// what the planner saw.
import type { ControllerConfig } from "../config/load.js";
import type { SiteEnergy } from "../ingest/energy/site-energy.js";
import { createBaselinePredictor } from "../forecast/baseline-predictor.js";
import { planToServices, type Plan } from "./plan.js";
import { createPlanner, type Planner } from "./greedy/greedy-planner.js";
import type { Predictor } from "../forecast/predictor.js";
import type { ServiceDemand, SiteState } from "./site-state.js";
import type { Observations } from "../ingest/reports/observations.js";
import type { Service } from "../table/weight-table.js";

/** An hour of 5-minute forecast steps: what the planner weighs battery use against. */
const HORIZON_STEPS = 12;

/** A plan's result and what it was made from. */
export interface PlannedTable {
  readonly nowMs: number;
  readonly services: Service[];
  /** The site states the planner read, forecasts included. */
  readonly sites: readonly SiteState[];
  /** The forecast model behind the forecasts the planner read (null sha256: not a trained model). */
  readonly model: { readonly id: string; readonly sha256: string | null };
}

/** One planning step: the next table's services and their inputs. */
export type PlanStep = (nowMs: number) => PlannedTable;

export interface PlanStepOptions {
  planner?: Planner;
  predictor?: Predictor;
  /** What the filters report: observed load and latency per site. */
  observations?: Observations;
  /** Sees every plan, e.g. to log its explanation. */
  onPlan?: (plan: Plan) => void;
}

export function createPlanStep(config: ControllerConfig, energy: SiteEnergy, options: PlanStepOptions = {}): PlanStep {
  const planner = options.planner ?? createPlanner({ headroom: config.planning.headroom });
  const predictor = options.predictor ?? createBaselinePredictor();
  const services: ServiceDemand[] = config.services.map((s) => ({
    service: s.key,
    demandRps: s.demandRps,
    upstreams: Object.entries(s.upstreams).map(([site, upstream]) => ({ site, upstream })),
  }));
  let previous: Plan | null = null;

  return (nowMs) => {
    const sites: SiteState[] = config.sites.map((site) => {
      const e = energy.get(site.name)!;
      const reported = e.reportedForecast.filter((p) => p.atMs > nowMs).map((p) => p.pvWatts);
      const forecast = reported.length > 0
        ? reported.slice(0, HORIZON_STEPS)
        : predictor.forecast(
          { site: site.name, latitudeDeg: site.location.lat, longitudeDeg: site.location.lon, pvPeakWatts: site.pvPeakWatts },
          e.pvHistory.map((h) => ({ atMs: h.atMs, watts: h.pvWatts })),
          nowMs,
          HORIZON_STEPS,
        );
      const observed = options.observations?.site(site.name, nowMs);
      return {
        site: site.name,
        health: e.health,
        capacityRps: site.capacityRps,
        wattsPerRps: site.wattsPerRps,
        baseLoadWatts: 0,
        pvNowWatts: e.pvWatts,
        pvForecastWatts: forecast,
        batteryWh: e.batteryCapacityWh,
        batterySoc: e.batterySocPercent / 100,
        gridCarbonGPerKwh: e.gridCarbon,
        // From filter reports; zero means "no observation".
        latencyP95Ms: observed?.latencyP95Ms ?? 0,
        loadRps: observed?.loadRps ?? 0,
      };
    });
    const plan = planner.plan({ nowMs, sites, services }, previous);
    previous = plan;
    options.onPlan?.(plan);
    return { nowMs, services: planToServices(plan), sites, model: { id: predictor.name, sha256: null } };
  };
}
