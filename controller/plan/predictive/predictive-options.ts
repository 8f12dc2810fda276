// Options of the predictive planner: the greedy planner's options (it answers on fallback, and
// rounding, damping and limits are shared) plus the horizon, the time budget and the weights of
// the linear program's objective. Exported defaults, validated once when a planner is made.
import { DEFAULT_PLANNER_OPTIONS, PlannerError, resolvePlannerOptions, type PlannerOptions } from "../planner-options.js";

export interface PredictiveOptions {
  /** Steps the linear program looks ahead, step 0 (now) included; only step 0 is applied. */
  readonly horizonSteps: number;
  /** Length of one step in seconds; forecasts (PV, carbon, demand) are read one value per step. */
  readonly stepSeconds: number;
  /**
   * Steps planned one by one before periods of 2, 2, 4, 4, 8, … steps (horizon.ts periodLengths);
   * horizonSteps plans every step on its own, at the cost of a larger program.
   */
  readonly fineSteps: number;
  /** Solver time per cycle (HiGHS `time_limit`); a solve that runs out answers with the greedy plan. */
  readonly timeBudgetMs: number;
  /** Cost of moving one request/s of a service between sites (per step, |Δshare| × demand), in gCO2. */
  readonly churnGPerRps: number;
  /** Cost of added client latency: gCO2 per millisecond of mean added latency per million requests. */
  readonly latencyGPerMsPerMillionRequests: number;
  /** Largest share of a service's demand whose region→site latency may exceed its latencySloMs. */
  readonly latencySloExceedShare: number;
  /**
   * Value of a Wh still stored at the horizon's end, as a fraction of what it would displace at the
   * site's mean forecast carbon over the horizon (discharge efficiency applied). Below 1 so that
   * energy the horizon can use displacing as much is used rather than kept.
   */
  readonly terminalValueFraction: number;
  /** Cost of a request/s above a site's limit for an hour: large, so only a real shortfall pays it. */
  readonly overloadGPerRpsHour: number;
  /** Cost of a Wh an off-grid site lacks: larger than any overload, so no request is planned onto it. */
  readonly energyDeficitGPerWh: number;
}

export type PredictivePlannerOptions = PlannerOptions & PredictiveOptions;

export const DEFAULT_PREDICTIVE_OPTIONS: PredictiveOptions = Object.freeze({
  horizonSteps: 24,
  stepSeconds: 300,
  fineSteps: 4,
  timeBudgetMs: 50,
  churnGPerRps: 0.01,
  latencyGPerMsPerMillionRequests: 1,
  latencySloExceedShare: 0.05,
  terminalValueFraction: 0.95,
  overloadGPerRpsHour: 1_000,
  energyDeficitGPerWh: 100_000,
});

const MAX_HORIZON_STEPS = 288;

/** The defaults with `overrides` applied, checked; throws PlannerError naming the first bad option. */
export function resolvePredictiveOptions(overrides: Partial<PredictivePlannerOptions> = {}): PredictivePlannerOptions {
  const base: Partial<PlannerOptions> = {};
  const own: Partial<PredictiveOptions> = {};
  for (const [name, value] of Object.entries(overrides)) {
    if (name in DEFAULT_PLANNER_OPTIONS) (base as Record<string, unknown>)[name] = value;
    else if (name in DEFAULT_PREDICTIVE_OPTIONS) (own as Record<string, unknown>)[name] = value;
    else throw new PlannerError(`option '${name}'`, "unknown option");
  }
  const shared = resolvePlannerOptions(base);
  const o: PredictiveOptions = { ...DEFAULT_PREDICTIVE_OPTIONS, ...own };
  if (!Number.isInteger(o.horizonSteps) || o.horizonSteps < 1 || o.horizonSteps > MAX_HORIZON_STEPS) {
    bad("horizonSteps", `expected an integer from 1 to ${MAX_HORIZON_STEPS}`, o.horizonSteps);
  }
  if (!positive(o.stepSeconds)) bad("stepSeconds", "expected a number of seconds above 0", o.stepSeconds);
  if (!Number.isInteger(o.fineSteps) || o.fineSteps < 1) bad("fineSteps", "expected an integer ≥ 1", o.fineSteps);
  if (!positive(o.timeBudgetMs)) bad("timeBudgetMs", "expected a number of milliseconds above 0", o.timeBudgetMs);
  if (!nonNegative(o.churnGPerRps)) bad("churnGPerRps", "expected a finite number ≥ 0", o.churnGPerRps);
  if (!nonNegative(o.latencyGPerMsPerMillionRequests)) {
    bad("latencyGPerMsPerMillionRequests", "expected a finite number ≥ 0", o.latencyGPerMsPerMillionRequests);
  }
  if (!nonNegative(o.latencySloExceedShare) || o.latencySloExceedShare > 1) {
    bad("latencySloExceedShare", "expected a number from 0 to 1", o.latencySloExceedShare);
  }
  if (!nonNegative(o.terminalValueFraction) || o.terminalValueFraction > 1) {
    bad("terminalValueFraction", "expected a number from 0 to 1", o.terminalValueFraction);
  }
  if (!positive(o.overloadGPerRpsHour)) bad("overloadGPerRpsHour", "expected a finite number above 0", o.overloadGPerRpsHour);
  if (!positive(o.energyDeficitGPerWh)) bad("energyDeficitGPerWh", "expected a finite number above 0", o.energyDeficitGPerWh);
  return Object.freeze({ ...shared, ...o });
}

function positive(n: unknown): boolean {
  return typeof n === "number" && Number.isFinite(n) && n > 0;
}

function nonNegative(n: unknown): boolean {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}

function bad(name: keyof PredictiveOptions, expected: string, got: unknown): never {
  throw new PlannerError(`option '${name}'`, `${expected}, got ${String(got)}`);
}
