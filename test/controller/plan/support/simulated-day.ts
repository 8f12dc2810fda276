// A day of routing over real traces: three sites with PV from the Solcast slice, grid carbon
// from Electricity Maps zones, batteries that charge and discharge, and demand from a vessim
// load trace. A policy picks weights every 5 minutes; the simulation books where the energy
// for requests came from.
import { createBaselinePredictor } from "../../../../controller/forecast/baseline-predictor.js";
import type { PlanInput, SiteState } from "../../../../controller/plan/site-state.js";
import { carbonTrace, interpolate, loadTrace, pvTrace, valueAt } from "../../../support/traces.js";

/** PV city and grid zone per site; the ber/ES pairing is illustrative (no German grid trace). */
const SITES = [
  { name: "sfo", city: "San Francisco", zone: "US-CAL-CISO", latitudeDeg: 37.775, longitudeDeg: -122.419 },
  { name: "sto", city: "Stockholm", zone: "NO", latitudeDeg: 59.329, longitudeDeg: 18.069 },
  { name: "ber", city: "Berlin", zone: "ES", latitudeDeg: 52.52, longitudeDeg: 13.405 },
] as const;

export const SITE_NAMES = SITES.map((s) => s.name);

/** Solar-first sites: at peak an array covers the base load and more than the site's limit. */
export const DAY = {
  startMs: Date.UTC(2022, 5, 15),
  stepMs: 300_000,
  cycles: 288,
  forecastSteps: 12,
  capacityRps: 400,
  wattsPerRps: 2,
  baseLoadWatts: 150,
  pvPeakWatts: 1000,
  batteryWh: 500,
  reserveSoc: 0.2,
  // Demand = this × the normalised load trace: 420 to 760 rps against 3 × 320 rps of limits.
  demandScaleRps: 1200,
} as const;

/** Weights over SITE_NAMES for the one service "api", from the cycle's input. */
export type Policy = (input: PlanInput) => readonly number[];

export interface DayResult {
  /** Per cycle, the policy's weights over SITE_NAMES. */
  readonly weights: number[][];
  /** Per cycle, requests/s sent to each site. */
  readonly rps: number[][];
  /**
   * Share of request energy covered by PV and battery. Batteries start at their reserve, and
   * energy still stored at the end counts as if it had served requests: generous to a policy
   * that leaves its batteries full.
   */
  readonly renewableShare: number;
  /** Grid CO2 of the whole day, base load included, in kg. */
  readonly gridKg: number;
}

export function simulateDay(policy: Policy): DayResult {
  const predictor = createBaselinePredictor({ stepSeconds: DAY.stepMs / 1000 });
  const pv = SITES.map((s) => pvTrace(s.city).map((x) => ({ atMs: x.atMs, watts: x.value * DAY.pvPeakWatts })));
  const carbon = SITES.map((s) => carbonTrace(s.zone));
  const load = loadTrace("trace_c");
  const soc = SITES.map((): number => DAY.reserveSoc);
  const lastRps = SITES.map(() => 0);
  const hours = DAY.stepMs / 3_600_000;
  const result = { weights: [] as number[][], rps: [] as number[][], requestWh: 0, renewableWh: 0, gridGrams: 0 };

  for (let k = 0; k < DAY.cycles; k++) {
    const nowMs = DAY.startMs + k * DAY.stepMs;
    const history = pv.map((series) => series.filter((o) => o.atMs <= nowMs));
    const pvNow = history.map((h) => h[h.length - 1]?.watts ?? 0);
    const demandRps = DAY.demandScaleRps * interpolate(load, nowMs - DAY.startMs);
    const sites: SiteState[] = SITES.map((s, i) => ({
      site: s.name,
      health: "healthy",
      capacityRps: DAY.capacityRps,
      wattsPerRps: DAY.wattsPerRps,
      baseLoadWatts: DAY.baseLoadWatts,
      pvNowWatts: pvNow[i]!,
      pvForecastWatts: predictor.forecast({ ...s, site: s.name, pvPeakWatts: DAY.pvPeakWatts }, history[i]!, nowMs, DAY.forecastSteps),
      batteryWh: DAY.batteryWh,
      batterySoc: soc[i]!,
      gridCarbonGPerKwh: valueAt(carbon[i]!, nowMs),
      latencyP95Ms: 40,
      loadRps: lastRps[i]!,
    }));
    const upstreams = SITES.map((s) => ({ site: s.name, upstream: `api-${s.name}` }));
    const weights = [...policy({ nowMs, sites, services: [{ service: "api", demandRps, upstreams }] })];
    const total = weights.reduce((a, b) => a + b, 0);
    const siteRps = weights.map((w) => (total > 0 ? (w / total) * demandRps : 0));
    result.weights.push(weights);
    result.rps.push(siteRps);

    // Over the step: PV first, then the battery down to its reserve, then the grid. Surplus PV
    // charges the battery; what does not fit is lost.
    SITES.forEach((_, i) => {
      const requestW = siteRps[i]! * DAY.wattsPerRps;
      const needW = DAY.baseLoadWatts + requestW;
      const fromPv = Math.min(pvNow[i]!, needW);
      const fromBattery = Math.min(needW - fromPv, ((soc[i]! - DAY.reserveSoc) * DAY.batteryWh) / hours);
      const fromGrid = needW - fromPv - fromBattery;
      soc[i] = Math.min(1, soc[i]! + ((pvNow[i]! - fromPv - fromBattery) * hours) / DAY.batteryWh);
      result.requestWh += requestW * hours;
      // The base load takes renewable power first, as in the planner's model.
      result.renewableWh += Math.min(requestW, Math.max(0, fromPv + fromBattery - DAY.baseLoadWatts)) * hours;
      result.gridGrams += (fromGrid * hours * sites[i]!.gridCarbonGPerKwh) / 1000;
      lastRps[i] = siteRps[i]!;
    });
  }
  const storedWh = soc.reduce((a, x) => a + (x - DAY.reserveSoc) * DAY.batteryWh, 0);
  return {
    weights: result.weights,
    rps: result.rps,
    renewableShare: (result.renewableWh + storedWh) / result.requestWh,
    gridKg: result.gridGrams / 1000,
  };
}

/** How often a series turns round: a rise followed (after any pause) by a fall, or the reverse. */
export function reversals(series: readonly number[]): number {
  let count = 0;
  let direction = 0;
  for (let i = 1; i < series.length; i++) {
    const d = Math.sign(series[i]! - series[i - 1]!);
    if (d === 0) continue;
    if (direction !== 0 && d !== direction) count++;
    direction = d;
  }
  return count;
}
