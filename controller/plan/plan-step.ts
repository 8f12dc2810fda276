// One planning step: what the controller knows (configuration, each site's energy state, what the
// filters report) turned into the planner's input, planned against the previous plan, and returned
// as table services together with the inputs it was planned from, so the ledger records exactly
// what the planner saw. A service's demand is what the filters report it served; its configured
// `demand_rps` is only the prior until a report names it. Observed demand is kept per service (5-minute
// means, two days) and forecast over the horizon. PV and demand are forecast exactly as far as the
// planner looks (plannerHorizonSteps): 24 steps for the predictive planner by default, 12 (an hour)
// for the greedy one.
import type { ControllerConfig } from "../config/load.js";
import type { SiteEnergy } from "../ingest/energy/site-energy.js";
import { createBaselinePredictor } from "../forecast/baseline-predictor.js";
import { createSeasonalDemandForecaster, recentPeakRps, type DemandForecaster } from "../forecast/demand-forecast.js";
import { DemandHistory } from "../forecast/demand-history.js";
import { planToServices, type Plan, type PlanFallback } from "./plan.js";
import { plannerHorizonSteps } from "./configured-planner.js";
import { createPlanner, type Planner } from "./greedy/greedy-planner.js";
import type { Predictor } from "../forecast/predictor.js";
import type { ServiceDemand, SiteState } from "./site-state.js";
import type { Observations } from "../ingest/reports/observations.js";
import type { Service } from "../table/weight-table.js";

/** The demand the planner read for one service, and where it came from. */
export interface PlannedDemand {
  readonly service: string;
  readonly demandRps: number;
  /** `observed`: from filter reports; `configured`: the configuration's prior, before any report. */
  readonly source: "observed" | "configured";
  /** Requests/s for the horizon's steps; empty when there is no observed history to forecast from. */
  readonly demandForecastRps: readonly number[];
  /** The largest observed rate over the last hours (recentPeakRps); absent before any report. */
  readonly demandPeakRps?: number;
}

/** A plan's result and what it was made from. */
export interface PlannedTable {
  readonly nowMs: number;
  readonly services: Service[];
  /** The site states the planner read, forecasts included. */
  readonly sites: readonly SiteState[];
  /** The services' demand the planner read (absent: not recorded, e.g. a step made by hand). */
  readonly demand?: readonly PlannedDemand[];
  /** The forecast model behind the forecasts the planner read (null sha256: not a trained model). */
  readonly model: { readonly id: string; readonly sha256: string | null };
  /** Which planner made the weights (`Plan.planner`), and why it stood in for the one asked for (absent: a step made by hand). */
  readonly planner?: { readonly name: string; readonly fallback: PlanFallback | null };
}

/** One planning step: the next table's services and their inputs. */
export type PlanStep = (nowMs: number) => PlannedTable;

export interface PlanStepOptions {
  /** Required when `planning.planner` is predictive (createConfiguredPlanner: its solver loads asynchronously). */
  planner?: Planner;
  predictor?: Predictor;
  /** Forecasts each service's demand from its observed history; its stepSeconds spaces the history too. */
  demandForecaster?: DemandForecaster;
  /** What the filters report: observed load and latency per site, demand per service. */
  observations?: Observations;
  /** Sees every plan, e.g. to log its explanation. */
  onPlan?: (plan: Plan) => void;
}

export function createPlanStep(config: ControllerConfig, energy: SiteEnergy, options: PlanStepOptions = {}): PlanStep {
  const planner = options.planner ?? greedyFromConfig(config);
  const predictor = options.predictor ?? createBaselinePredictor();
  const forecaster = options.demandForecaster ?? createSeasonalDemandForecaster();
  const horizonSteps = plannerHorizonSteps(planner, predictor.stepSeconds);
  const history = new DemandHistory({ stepSeconds: forecaster.stepSeconds });
  let previous: Plan | null = null;

  const demandAt = (nowMs: number): PlannedDemand[] => config.services.map((s) => {
    const observed = options.observations?.service(s.key, nowMs) ?? null;
    if (observed !== null) history.add(s.key, nowMs, observed.demandRps);
    const series = history.series(s.key);
    return {
      service: s.key,
      demandRps: observed?.demandRps ?? s.demandRps,
      source: observed === null ? "configured" : "observed",
      demandForecastRps: forecaster.forecast(series, nowMs, horizonSteps),
      ...(observed !== null ? { demandPeakRps: recentPeakRps(series, nowMs) } : {}),
    };
  });

  return (nowMs) => {
    const demand = demandAt(nowMs);
    const services: ServiceDemand[] = config.services.map((s, k) => ({
      service: s.key,
      demandRps: demand[k]!.demandRps,
      ...(demand[k]!.demandForecastRps.length > 0 ? { demandForecastRps: demand[k]!.demandForecastRps } : {}),
      ...(demand[k]!.demandPeakRps !== undefined ? { demandPeakRps: demand[k]!.demandPeakRps } : {}),
      upstreams: Object.entries(s.upstreams).map(([site, upstream]) => ({ site, upstream })),
    }));
    const sites: SiteState[] = config.sites.map((site) => {
      const e = energy.get(site.name)!;
      const reported = e.reportedForecast.filter((p) => p.atMs > nowMs).map((p) => p.pvWatts);
      const forecast = reported.length > 0
        ? reported.slice(0, horizonSteps)
        : predictor.forecast(
          { site: site.name, latitudeDeg: site.location.lat, longitudeDeg: site.location.lon, pvPeakWatts: site.pvPeakWatts },
          e.pvHistory.map((h) => ({ atMs: h.atMs, watts: h.pvWatts })),
          nowMs,
          horizonSteps,
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
    return {
      nowMs, services: planToServices(plan), sites, demand, model: { id: predictor.name, sha256: null },
      planner: { name: plan.planner, fallback: plan.fallback },
    };
  };
}

/** The greedy planner as the configuration sets it up; a predictive configuration must bring its planner. */
function greedyFromConfig(config: ControllerConfig): Planner {
  if (config.planning.planner !== "greedy") {
    throw new Error(`planning.planner is '${config.planning.planner}': pass the planner from createConfiguredPlanner(config)`);
  }
  // One damping step per planning interval, however many urgent cycles run in between.
  return createPlanner({ headroom: config.planning.headroom, stepIntervalSeconds: config.planning.intervalMs / 1000 });
}
