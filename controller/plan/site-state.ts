// What the planner reads: the state of every site and the demand of every service. Plain data,
// already ingested; the planner checks it once per call (check-input.ts) and never mutates it.

/** A site (cluster / locality) that runs some of the mesh's services. */
export type SiteId = string;

/** `draining` is an operator's request to empty the site; `unhealthy` comes from health checks. */
export type SiteHealth = "healthy" | "unhealthy" | "draining";

export interface SiteState {
  readonly site: SiteId;
  readonly health: SiteHealth;
  /** Requests/s the site serves at its limit; the planner stays `headroom` below it. */
  readonly capacityRps: number;
  /** Marginal power per request/s, in watts: serving r requests/s draws r × wattsPerRps. */
  readonly wattsPerRps: number;
  /** Power the site draws with no traffic; renewables cover it before any request. */
  readonly baseLoadWatts: number;
  /** Renewable (PV) power available now, in watts. */
  readonly pvNowWatts: number;
  /** Forecast PV power for the coming steps (a Predictor's output); may be empty. */
  readonly pvForecastWatts: readonly number[];
  /** Usable battery size in watt-hours; 0 when the site has no battery. */
  readonly batteryWh: number;
  /** Battery state of charge, 0..1. */
  readonly batterySoc: number;
  /** Carbon intensity of the site's grid power now, gCO2/kWh. */
  readonly gridCarbonGPerKwh: number;
  /**
   * Observed p95 latency of the site's upstreams over the last window, in milliseconds; 0 when
   * there is no evidence (too few responses behind it, controller/ingest/reports/observations.ts).
   */
  readonly latencyP95Ms: number;
  /** Requests/s the site served over the last window. */
  readonly loadRps: number;
  // What only a planner that looks ahead reads (plan/predictive/); the greedy planner ignores it.
  /** Carbon intensity forecast for the same steps as pvForecastWatts; absent: persistence of gridCarbonGPerKwh. */
  readonly gridCarbonForecastGPerKwh?: readonly number[];
  /** Largest battery charge and discharge power, in watts; absent: no limit beyond the energy. */
  readonly batteryChargeWatts?: number;
  readonly batteryDischargeWatts?: number;
  /** Round-trip efficiency of the battery, 0 < e ≤ 1 (applied as √e on charge and on discharge); absent: 1. */
  readonly batteryEfficiency?: number;
  /** True when the site has no grid power now: it must run on PV and battery alone. */
  readonly offGrid?: boolean;
}

/** Which upstream name (the routing header value) a service has in one site. */
export interface SiteUpstream {
  readonly site: SiteId;
  readonly upstream: string;
}

export interface ServiceDemand {
  /** The weight table's service key. */
  readonly service: string;
  /** Expected requests/s for the coming cycle. */
  readonly demandRps: number;
  /** Forecast requests/s for the steps after this one (plan/predictive/); absent: demandRps throughout. */
  readonly demandForecastRps?: readonly number[];
  /**
   * Demand the site limits are kept for over the horizon (e.g. the recent peak), requests/s: a
   * service's load can jump within a planning step, its weights cannot. Absent: the forecast.
   */
  readonly demandPeakRps?: number;
  /** Bound on the p95 of the added latency from client regions to the sites chosen, in ms; absent: none. */
  readonly latencySloMs?: number;
  /** The service's upstreams, one per site it runs in. */
  readonly upstreams: readonly SiteUpstream[];
}

/** Where requests come from: a share of every service's demand, and its latency to each site. */
export interface ClientRegion {
  readonly region: string;
  /** Fraction of demand from this region; the regions' shares sum to 1. */
  readonly share: number;
  /** Added round-trip latency from the region to each site, in ms. */
  readonly latencyMs: Readonly<Record<SiteId, number>>;
}

export interface PlanInput {
  /** When the plan is made (ms since the epoch); carried into the plan, never read from a clock. */
  readonly nowMs: number;
  readonly sites: readonly SiteState[];
  readonly services: readonly ServiceDemand[];
  /** Client regions, for latency costs and SLOs; absent: latency from regions is not weighed. */
  readonly clientRegions?: readonly ClientRegion[];
}
