// The predictor interface: PV power forecasts for a site, from its recent history. The planner
// reads forecasts as plain numbers (SiteState.pvForecastWatts), so a baseline and a trained
// model are interchangeable behind this interface. Time is a parameter, never a clock read.
import { PlannerError } from "../plan/planner-options.js";
import type { SiteId } from "../plan/site-state.js";

/** One PV measurement: average power over the interval ending at `atMs`. */
export interface PvObservation {
  readonly atMs: number;
  readonly watts: number;
}

/** What a predictor knows of a site besides its history. */
export interface PredictorSite {
  readonly site: SiteId;
  /** Degrees, north positive. */
  readonly latitudeDeg: number;
  /** Degrees, east positive. */
  readonly longitudeDeg: number;
  /** The array's peak output, in watts; forecasts never exceed it. */
  readonly pvPeakWatts: number;
}

export interface Predictor {
  /** Names the predictor in plans' input snapshots (e.g. "baseline-1"). */
  readonly name: string;
  /** Spacing of forecast steps, in seconds. */
  readonly stepSeconds: number;
  /**
   * PV watts at nowMs + k × stepSeconds for k = 1..horizonSteps. `history` is oldest first;
   * observations after `nowMs` are ignored. Throws PlannerError on a bad argument.
   */
  forecast(site: PredictorSite, history: readonly PvObservation[], nowMs: number, horizonSteps: number): number[];
}

/** Largest horizon any predictor is asked for: a week of 5-minute steps. */
export const MAX_HORIZON_STEPS = 2_016;

/** The argument checks every predictor shares. */
export function checkForecastArguments(site: PredictorSite, nowMs: number, horizonSteps: number): void {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new PlannerError(`forecast ${field}`, `${expected}, got ${String(got)}`);
  };
  if (!(Number.isFinite(site.latitudeDeg) && Math.abs(site.latitudeDeg) <= 90)) {
    bad("site.latitudeDeg", "expected degrees from -90 to 90", site.latitudeDeg);
  }
  if (!(Number.isFinite(site.longitudeDeg) && Math.abs(site.longitudeDeg) <= 180)) {
    bad("site.longitudeDeg", "expected degrees from -180 to 180", site.longitudeDeg);
  }
  if (!(Number.isFinite(site.pvPeakWatts) && site.pvPeakWatts >= 0)) bad("site.pvPeakWatts", "expected watts ≥ 0", site.pvPeakWatts);
  if (!(Number.isFinite(nowMs) && nowMs >= 0)) bad("nowMs", "expected a time in ms ≥ 0", nowMs);
  if (!(Number.isInteger(horizonSteps) && horizonSteps >= 0 && horizonSteps <= MAX_HORIZON_STEPS)) {
    bad("horizonSteps", `expected an integer from 0 to ${MAX_HORIZON_STEPS}`, horizonSteps);
  }
}
