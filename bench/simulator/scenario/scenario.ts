// A scenario as the simulator runs it: every trace already read, converted to its unit and
// resampled to the scenario's step, and every time turned into a step index. load-scenario.ts
// makes one from a YAML file; the physics, the policies and the oracle read only this.

/** Half-open range of step indices [fromStep, toStep). */
export interface StepWindow {
  readonly fromStep: number;
  readonly toStep: number;
}

export interface SimBattery {
  /** Usable capacity, Wh; 0 when the site has no battery. */
  readonly capacityWh: number;
  /** Largest charge and discharge power, W. */
  readonly chargeWatts: number;
  readonly dischargeWatts: number;
  /** Round-trip efficiency 0 < e ≤ 1, applied as √e on charge and √e on discharge. */
  readonly roundTripEfficiency: number;
  /** State of charge kept back, 0..1: energy below it is never drawn. */
  readonly reserveSoc: number;
  /** State of charge at step 0, 0..1. */
  readonly initialSoc: number;
}

export interface SimSite {
  readonly name: string;
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
  readonly capacityRps: number;
  readonly pvPeakWatts: number;
  readonly baseLoadWatts: number;
  readonly wattsPerRps: number;
  readonly battery: SimBattery;
  /** False: the site never has grid power. */
  readonly gridConnected: boolean;
  /** Windows with no grid power at a connected site. */
  readonly gridOutages: readonly StepWindow[];
  /** Mean PV power over step k (from k × step to (k+1) × step), W; length = steps. */
  readonly pvWatts: Float64Array;
  /** Grid carbon intensity during step k, gCO2/kWh; length = steps. */
  readonly carbonGPerKwh: Float64Array;
}

export interface SimService {
  readonly name: string;
  /** Sites that run the service; its upstream in a site is `${name}-${site}`. */
  readonly sites: readonly string[];
  /** Mean demand during step k, requests/s; length = steps. */
  readonly demandRps: Float64Array;
  /** p95 bound on added latency from client regions, ms; absent: none. */
  readonly latencySloMs?: number;
}

export interface SimRegion {
  readonly name: string;
  /** Share of every service's demand; shares sum to 1. */
  readonly share: number;
  /** Added round-trip latency to each site, ms. */
  readonly latencyMs: Readonly<Record<string, number>>;
}

export type SimFault =
  | ({ readonly kind: "site_outage"; readonly site: string } & StepWindow)
  | ({ readonly kind: "latency_spike"; readonly site: string; readonly addedMs: number } & StepWindow)
  | ({ readonly kind: "battery_fault"; readonly site: string } & StepWindow);

export interface Scenario {
  readonly name: string;
  /** The file it was read from (for messages). */
  readonly file: string;
  readonly stepSeconds: number;
  /** Time of step 0's start, ms since the epoch (UTC). */
  readonly startMs: number;
  /** Number of steps simulated. */
  readonly steps: number;
  readonly sites: readonly SimSite[];
  readonly services: readonly SimService[];
  readonly regions: readonly SimRegion[];
  readonly faults: readonly SimFault[];
  /** Planner headroom the policies plan with, 0..1 (the oracle keeps the same headroom). */
  readonly headroom: number;
}
