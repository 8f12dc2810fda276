// Demand forecasts for a service, from its observed history. The planner reads them as plain
// numbers (ServiceDemand.demandForecastRps), so this baseline and a trained model are
// interchangeable behind DemandForecaster. Time is a parameter, never a clock read.
//
// The baseline is seasonal-naive with a level correction: traffic at a given time of day looks
// like traffic at the same time yesterday, scaled by how today compares with yesterday so far:
//
//     seasonal(t) = yesterday(t) × clamp(recent level / yesterday's level at now − 1 day)
//     forecast(t) = seasonalWeight × seasonal(t) + (1 − seasonalWeight) × recent level
//
// and the recent level alone wherever there is no yesterday to read (a new service, a controller
// up for less than a day, a yesterday with no traffic).
import { MAX_HORIZON_STEPS } from "./predictor.js";
import { PlannerError } from "../plan/planner-options.js";

/** Mean requests/s over the interval ending at `atMs`. */
export interface DemandObservation {
  readonly atMs: number;
  readonly rps: number;
}

export interface DemandForecaster {
  /** Names the forecaster in plans' input snapshots. */
  readonly name: string;
  /** Spacing of forecast steps, in seconds. */
  readonly stepSeconds: number;
  /**
   * Requests/s at nowMs + k × stepSeconds for k = 1..horizonSteps. `history` is oldest first;
   * entries after `nowMs` are ignored (nothing a forecast says may depend on them). With no
   * history at or before nowMs there is nothing to forecast from: the answer is empty. Throws
   * PlannerError on a bad argument.
   */
  forecast(history: readonly DemandObservation[], nowMs: number, horizonSteps: number): number[];
}

export interface SeasonalDemandOptions {
  readonly stepSeconds: number;
  /** The season: how far back "the same time" is. */
  readonly seasonSeconds: number;
  /** The recent level is the mean of the history over this long up to now (and yesterday's the same span a season earlier). */
  readonly levelWindowSeconds: number;
  /** Weight of the seasonal forecast against the plain recent level, 0..1. */
  readonly seasonalWeight: number;
  /** Today-over-yesterday ratios are clamped to [1 / this, this], so a near-empty yesterday cannot blow a forecast up. */
  readonly maxLevelRatio: number;
}

export const DEFAULT_SEASONAL_DEMAND_OPTIONS: SeasonalDemandOptions = Object.freeze({
  stepSeconds: 300,
  seasonSeconds: 86_400,
  levelWindowSeconds: 1_800,
  seasonalWeight: 0.8,
  maxLevelRatio: 4,
});

/** Validates the options once; throws PlannerError naming a bad one. */
export function createSeasonalDemandForecaster(overrides: Partial<SeasonalDemandOptions> = {}): DemandForecaster {
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_SEASONAL_DEMAND_OPTIONS)) throw new PlannerError(`demand forecast option '${name}'`, "unknown option");
  }
  const o: SeasonalDemandOptions = Object.freeze({ ...DEFAULT_SEASONAL_DEMAND_OPTIONS, ...overrides });
  const check = (name: keyof SeasonalDemandOptions, ok: boolean, expected: string): void => {
    if (!ok) throw new PlannerError(`demand forecast option '${name}'`, `${expected}, got ${String(o[name])}`);
  };
  const finite = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);
  check("stepSeconds", Number.isInteger(o.stepSeconds) && o.stepSeconds >= 1, "expected an integer number of seconds ≥ 1");
  check("seasonSeconds", finite(o.seasonSeconds) && o.seasonSeconds >= o.stepSeconds, "expected seconds ≥ stepSeconds");
  check("levelWindowSeconds", finite(o.levelWindowSeconds) && o.levelWindowSeconds > 0 && o.levelWindowSeconds <= o.seasonSeconds,
    "expected seconds above 0, at most seasonSeconds");
  check("seasonalWeight", finite(o.seasonalWeight) && o.seasonalWeight >= 0 && o.seasonalWeight <= 1, "expected a number from 0 to 1");
  check("maxLevelRatio", finite(o.maxLevelRatio) && o.maxLevelRatio >= 1, "expected a number ≥ 1");
  return {
    name: "seasonal-naive-level",
    stepSeconds: o.stepSeconds,
    forecast: (history, nowMs, horizonSteps) => forecast(o, history, nowMs, horizonSteps),
  };
}

function forecast(o: SeasonalDemandOptions, history: readonly DemandObservation[], nowMs: number, horizonSteps: number): number[] {
  if (!(Number.isFinite(nowMs) && nowMs >= 0)) throw new PlannerError("demand forecast nowMs", `expected a time in ms ≥ 0, got ${nowMs}`);
  if (!(Number.isInteger(horizonSteps) && horizonSteps >= 0 && horizonSteps <= MAX_HORIZON_STEPS)) {
    throw new PlannerError("demand forecast horizonSteps", `expected an integer from 0 to ${MAX_HORIZON_STEPS}, got ${horizonSteps}`);
  }
  history.forEach((h, i) => {
    if (!(Number.isFinite(h.atMs) && Number.isFinite(h.rps) && h.rps >= 0)) {
      throw new PlannerError(`demand forecast history[${i}]`, `expected a time and requests/s ≥ 0, got ${h.atMs}, ${h.rps}`);
    }
  });
  const known = history.filter((h) => h.atMs <= nowMs);
  if (known.length === 0) return [];
  const seasonMs = o.seasonSeconds * 1000;
  const stepMs = o.stepSeconds * 1000;
  const windowMs = o.levelWindowSeconds * 1000;
  // The newest entry is the level when nothing falls in the window (a gap in reports).
  const recent = meanIn(known, nowMs - windowMs, nowMs) ?? known[known.length - 1]!.rps;
  const yesterdayLevel = meanIn(known, nowMs - seasonMs - windowMs, nowMs - seasonMs);
  const ratio = yesterdayLevel === null || yesterdayLevel <= 0
    ? null
    : Math.min(o.maxLevelRatio, Math.max(1 / o.maxLevelRatio, recent / yesterdayLevel));

  return Array.from({ length: horizonSteps }, (_, k) => {
    const atMs = nowMs + (k + 1) * stepMs;
    const yesterday = ratio === null ? null : nearest(known, atMs - seasonMs, stepMs / 2);
    if (yesterday === null) return recent;
    return o.seasonalWeight * yesterday * ratio! + (1 - o.seasonalWeight) * recent;
  });
}

/** Mean rps of the entries with fromMs < atMs ≤ toMs; null when there are none. */
function meanIn(history: readonly DemandObservation[], fromMs: number, toMs: number): number | null {
  let sum = 0;
  let n = 0;
  for (const h of history) {
    if (h.atMs <= fromMs || h.atMs > toMs) continue;
    sum += h.rps;
    n++;
  }
  return n > 0 ? sum / n : null;
}

/** The rps of the entry closest to atMs, if one is within toleranceMs (the earlier one on a tie). */
function nearest(history: readonly DemandObservation[], atMs: number, toleranceMs: number): number | null {
  let best: DemandObservation | null = null;
  for (const h of history) {
    const d = Math.abs(h.atMs - atMs);
    if (d > toleranceMs) continue;
    if (best === null || d < Math.abs(best.atMs - atMs)) best = h;
  }
  return best === null ? null : best.rps;
}

/**
 * How far back a service's recent peak reaches: demand jumps within a planning step (the ELB
 * trace has 5-minute spikes of 4× the previous hour's peak), so planners keep site limits for
 * what was seen over the last hours, not only for the forecast.
 */
export const DEMAND_PEAK_WINDOW_SECONDS = 6 * 3_600;

/** The largest observed rate in (nowMs − windowSeconds, nowMs]; 0 with nothing observed there. */
export function recentPeakRps(history: readonly DemandObservation[], nowMs: number, windowSeconds = DEMAND_PEAK_WINDOW_SECONDS): number {
  const since = nowMs - windowSeconds * 1000;
  let peak = 0;
  for (const h of history) if (h.atMs > since && h.atMs <= nowMs && h.rps > peak) peak = h.rps;
  return peak;
}
