// What a policy may know at the start of step t: measurements of steps 0..t-1 only (PV, carbon,
// load, latency, health, battery charge) and forecasts made from them by the controller's own
// predictors. This file is the simulator's only door from the run's history to a policy, which
// is what the no-look-ahead test checks from outside.
import { createBaselinePredictor } from "../../controller/forecast/baseline-predictor.js";
import { createSeasonalDemandForecaster, DEMAND_PEAK_WINDOW_SECONDS, recentPeakRps, type DemandForecaster } from "../../controller/forecast/demand-forecast.js";
import type { Predictor, PvObservation } from "../../controller/forecast/predictor.js";
import type { ClientRegion, PlanInput, ServiceDemand, SiteHealth, SiteState } from "../../controller/plan/site-state.js";
import type { Scenario } from "./scenario/scenario.js";

/** What happened in one step, as the controller would have measured it. */
export interface StepRecord {
  readonly pvWatts: Float64Array;
  readonly carbonGPerKwh: Float64Array;
  /** Requests/s sent to each site. */
  readonly loadRps: Float64Array;
  /** Requests/s each service received. */
  readonly demandRps: Float64Array;
  /** Observed p95 latency per site, ms (0: nothing served). */
  readonly latencyP95Ms: Float64Array;
  /** Health per site as health checks report it at the end of the step. */
  readonly health: readonly SiteHealth[];
  /** Grid power available at the end of the step. */
  readonly gridAvailable: readonly boolean[];
  /** Battery usable (no fault) at the end of the step. */
  readonly batteryAvailable: readonly boolean[];
}

/** PV history a predictor reads: a little over a day (its typical-index window). */
const PV_HISTORY_STEPS_SECONDS = 26 * 3600;
/** Demand history for seasonal forecasts: two days. */
const DEMAND_HISTORY_SECONDS = 2 * 86_400;
export interface ObserverOptions {
  /** Window of ServiceDemand.demandPeakRps, seconds; 0: no peak is given. */
  readonly demandPeakWindowSeconds?: number;
}

export class Observer {
  private readonly predictor: Predictor;
  private readonly demandForecaster: DemandForecaster;
  private readonly pvHistory: PvObservation[][];
  private readonly demandHistory: { atMs: number; rps: number }[][];
  private readonly regions: ClientRegion[];
  private last: StepRecord | null = null;

  private readonly peakWindowSeconds: number;

  constructor(private readonly scenario: Scenario, options: ObserverOptions = {}, predictor?: Predictor) {
    this.peakWindowSeconds = options.demandPeakWindowSeconds ?? DEMAND_PEAK_WINDOW_SECONDS;
    this.predictor = predictor ?? createBaselinePredictor({ stepSeconds: scenario.stepSeconds });
    this.demandForecaster = createSeasonalDemandForecaster({ stepSeconds: scenario.stepSeconds });
    this.pvHistory = scenario.sites.map(() => []);
    this.demandHistory = scenario.services.map(() => []);
    this.regions = scenario.regions.map((r) => ({ region: r.name, share: r.share, latencyMs: r.latencyMs }));
  }

  get predictorName(): string {
    return this.predictor.name;
  }

  /** Takes in step `t`'s measurements once the step is over. */
  record(t: number, rec: StepRecord): void {
    const endMs = this.stepStartMs(t + 1);
    const pvKeep = Math.ceil(PV_HISTORY_STEPS_SECONDS / this.scenario.stepSeconds);
    const demandKeep = Math.ceil(DEMAND_HISTORY_SECONDS / this.scenario.stepSeconds);
    this.scenario.sites.forEach((_, i) => push(this.pvHistory[i]!, { atMs: endMs, watts: rec.pvWatts[i]! }, pvKeep));
    this.scenario.services.forEach((_, s) => push(this.demandHistory[s]!, { atMs: endMs, rps: rec.demandRps[s]! }, demandKeep));
    this.last = rec;
  }

  /** The plan input at the start of step t (nothing of step t or later). */
  view(t: number, soc: Float64Array, horizonSteps: number): PlanInput {
    const sc = this.scenario;
    const nowMs = this.stepStartMs(t);
    const last = this.last;
    const sites: SiteState[] = sc.sites.map((site, i) => {
      const b = site.battery;
      const batteryOk = last?.batteryAvailable[i] ?? true;
      const carbon = last?.carbonGPerKwh[i] ?? 0;
      return {
        site: site.name,
        health: last?.health[i] ?? "healthy",
        capacityRps: site.capacityRps,
        wattsPerRps: site.wattsPerRps,
        baseLoadWatts: site.baseLoadWatts,
        pvNowWatts: last?.pvWatts[i] ?? 0,
        pvForecastWatts: horizonSteps > 0
          ? this.predictor.forecast(
            { site: site.name, latitudeDeg: site.latitudeDeg, longitudeDeg: site.longitudeDeg, pvPeakWatts: site.pvPeakWatts },
            this.pvHistory[i]!,
            nowMs,
            horizonSteps,
          )
          : [],
        batteryWh: batteryOk ? b.capacityWh : 0,
        batterySoc: batteryOk && b.capacityWh > 0 ? soc[i]! : 0,
        gridCarbonGPerKwh: carbon,
        latencyP95Ms: last?.latencyP95Ms[i] ?? 0,
        loadRps: last?.loadRps[i] ?? 0,
        batteryChargeWatts: b.chargeWatts,
        batteryDischargeWatts: b.dischargeWatts,
        batteryEfficiency: b.roundTripEfficiency,
        offGrid: !(last?.gridAvailable[i] ?? site.gridConnected),
      };
    });
    const services: ServiceDemand[] = sc.services.map((svc, s) => {
      const history = this.demandHistory[s]!;
      const demandRps = history.length > 0 ? history[history.length - 1]!.rps : 0;
      const forecast = horizonSteps > 0 ? this.demandForecaster.forecast(history, nowMs, horizonSteps) : [];
      return {
        service: svc.name,
        demandRps,
        ...(forecast.length > 0 ? { demandForecastRps: forecast } : {}),
        ...(forecast.length > 0 && this.peakWindowSeconds > 0 ? { demandPeakRps: recentPeakRps(history, nowMs, this.peakWindowSeconds) } : {}),
        ...(svc.latencySloMs !== undefined ? { latencySloMs: svc.latencySloMs } : {}),
        upstreams: svc.sites.map((site) => ({ site, upstream: `${svc.name}-${site}` })),
      };
    });
    return { nowMs, sites, services, clientRegions: this.regions };
  }

  private stepStartMs(t: number): number {
    return this.scenario.startMs + t * this.scenario.stepSeconds * 1000;
  }
}

function push<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}
