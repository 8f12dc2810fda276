// Baseline PV forecast: "smart persistence". The last observation is read as a clear-sky index
// (observed PV / clear-sky PV at that moment), which carries the current cloudiness; forecasts
// multiply the clear-sky shape at each future step by that index, blended towards the site's
// typical index (its mean over the last day) as the lead time grows: clouds seen now say less
// and less about later hours.
import { PlannerError } from "../plan/planner-options.js";
import { checkForecastArguments, type PvObservation, type Predictor, type PredictorSite } from "./predictor.js";
import { clearSkyShape } from "./solar-position.js";

export interface BaselinePredictorOptions {
  readonly stepSeconds: number;
  /** Lead time over which the observed index's weight halves. */
  readonly persistenceHalfLifeSeconds: number;
  /** The mean index over this much history is what forecasts tend to at long lead times. */
  readonly typicalWindowSeconds: number;
  /** Clear-sky index assumed when the history has no daylight observation. */
  readonly clearSkyIndexPrior: number;
  /** Below this clear-sky shape (sun near the horizon) an observation does not set the index. */
  readonly minShapeForIndex: number;
  /** Upper bound on an observed index; panels tilted to the sun beat the horizontal shape. */
  readonly maxClearSkyIndex: number;
}

export const DEFAULT_BASELINE_PREDICTOR_OPTIONS: BaselinePredictorOptions = Object.freeze({
  stepSeconds: 300,
  persistenceHalfLifeSeconds: 7_200,
  typicalWindowSeconds: 86_400,
  clearSkyIndexPrior: 0.8,
  minShapeForIndex: 0.1,
  maxClearSkyIndex: 2,
});

/** Validates the options once; throws PlannerError naming a bad one. */
export function createBaselinePredictor(overrides: Partial<BaselinePredictorOptions> = {}): Predictor {
  const o: BaselinePredictorOptions = Object.freeze({ ...DEFAULT_BASELINE_PREDICTOR_OPTIONS, ...overrides });
  const check = (name: keyof BaselinePredictorOptions, ok: boolean, expected: string): void => {
    if (!ok) throw new PlannerError(`predictor option '${name}'`, `${expected}, got ${String(o[name])}`);
  };
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_BASELINE_PREDICTOR_OPTIONS)) throw new PlannerError(`predictor option '${name}'`, "unknown option");
  }
  check("stepSeconds", Number.isInteger(o.stepSeconds) && o.stepSeconds >= 1, "expected an integer number of seconds ≥ 1");
  check("persistenceHalfLifeSeconds", o.persistenceHalfLifeSeconds > 0 && Number.isFinite(o.persistenceHalfLifeSeconds), "expected seconds > 0");
  check("maxClearSkyIndex", o.maxClearSkyIndex > 0 && Number.isFinite(o.maxClearSkyIndex), "expected a number > 0");
  check("typicalWindowSeconds", o.typicalWindowSeconds > 0 && Number.isFinite(o.typicalWindowSeconds), "expected seconds > 0");
  check("clearSkyIndexPrior", o.clearSkyIndexPrior >= 0 && o.clearSkyIndexPrior <= o.maxClearSkyIndex, "expected a number from 0 to maxClearSkyIndex");
  check("minShapeForIndex", o.minShapeForIndex > 0 && o.minShapeForIndex < 1, "expected a number above 0 and below 1");

  return {
    name: "baseline-smart-persistence",
    stepSeconds: o.stepSeconds,
    forecast: (site, history, nowMs, horizonSteps) => forecast(o, site, history, nowMs, horizonSteps),
  };
}

function forecast(
  o: BaselinePredictorOptions,
  site: PredictorSite,
  history: readonly PvObservation[],
  nowMs: number,
  horizonSteps: number,
): number[] {
  checkForecastArguments(site, nowMs, horizonSteps);
  const shapeAt = (atMs: number): number => clearSkyShape(site.latitudeDeg, site.longitudeDeg, atMs);
  const indexAt = (h: PvObservation): number | null => {
    const shape = shapeAt(h.atMs);
    if (shape < o.minShapeForIndex || site.pvPeakWatts <= 0) return null;
    return Math.min(o.maxClearSkyIndex, h.watts / (site.pvPeakWatts * shape));
  };
  const last = latestObservation(history, nowMs);
  const typical = typicalIndex(history, nowMs, o, indexAt);
  const observedIndex = (last === null ? null : indexAt(last)) ?? typical;
  const fromMs = last?.atMs ?? nowMs;

  return Array.from({ length: horizonSteps }, (_, k) => {
    const atMs = nowMs + (k + 1) * o.stepSeconds * 1000;
    const weight = Math.pow(0.5, (atMs - fromMs) / 1000 / o.persistenceHalfLifeSeconds);
    const index = weight * observedIndex + (1 - weight) * typical;
    return Math.min(site.pvPeakWatts, site.pvPeakWatts * shapeAt(atMs) * index);
  });
}

/** Mean clear-sky index over the recent history: the site's usual cloudiness and panel geometry. */
function typicalIndex(
  history: readonly PvObservation[],
  nowMs: number,
  o: BaselinePredictorOptions,
  indexAt: (h: PvObservation) => number | null,
): number {
  let sum = 0;
  let n = 0;
  for (const h of history) {
    if (h.atMs > nowMs || h.atMs < nowMs - o.typicalWindowSeconds * 1000) continue;
    const index = indexAt(h);
    if (index === null) continue;
    sum += index;
    n++;
  }
  return n > 0 ? sum / n : o.clearSkyIndexPrior;
}

/** The newest observation at or before `nowMs`; throws on a negative or non-finite value. */
function latestObservation(history: readonly PvObservation[], nowMs: number): PvObservation | null {
  let latest: PvObservation | null = null;
  history.forEach((h, i) => {
    if (!(Number.isFinite(h.atMs) && Number.isFinite(h.watts) && h.watts >= 0)) {
      throw new PlannerError(`forecast history[${i}]`, `expected a time and watts ≥ 0, got ${h.atMs}, ${h.watts}`);
    }
    if (h.atMs <= nowMs && (latest === null || h.atMs >= latest.atMs)) latest = h;
  });
  return latest;
}
