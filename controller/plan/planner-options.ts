// Planner options: exported defaults, overridden by name, validated once when a planner is made.

export interface PlannerOptions {
  /** Total weight of every service's upstreams; integer weights sum exactly to it. */
  readonly weightScale: number;
  /** Fraction of capacity kept free: no site is planned above capacityRps × (1 − headroom). */
  readonly headroom: number;
  /** Largest move of one upstream's weight per stepIntervalSeconds, as a fraction of weightScale. */
  readonly maxStep: number;
  /**
   * The time one maxStep is allowed per: a plan made sooner after the previous one moves only
   * that fraction of a step, however many plans run (the controller sets its planning interval).
   */
  readonly stepIntervalSeconds: number;
  /** Target changes smaller than this fraction of weightScale leave a service's weights as they are. */
  readonly hysteresis: number;
  /** State of charge the battery keeps back; only energy above it counts as usable. */
  readonly batteryReserveSoc: number;
  /** Usable battery energy is spread over this many seconds of planning. */
  readonly horizonSeconds: number;
  /** A site whose observed p95 latency is above this takes no more than its observed load. */
  readonly latencyLimitMs: number;
  /** A site held for latency is released only once its p95 is below latencyLimitMs × this (0 < f ≤ 1). */
  readonly latencyReleaseFraction: number;
}

export const DEFAULT_PLANNER_OPTIONS: PlannerOptions = Object.freeze({
  weightScale: 10_000,
  headroom: 0.2,
  maxStep: 0.1,
  stepIntervalSeconds: 5,
  hysteresis: 0.02,
  batteryReserveSoc: 0.2,
  horizonSeconds: 3_600,
  latencyLimitMs: 500,
  latencyReleaseFraction: 0.8,
});

/** A bad option or a bad planner input; `field` names it (`headroom`, `sites[2].pvNowWatts`). */
export class PlannerError extends Error {
  constructor(readonly field: string, message: string) {
    super(`planner ${field}: ${message}`);
    this.name = "PlannerError";
  }
}

const MAX_WEIGHT_SCALE = 0xffff_ffff;

/** The defaults with `overrides` applied, checked; throws PlannerError naming the first bad option. */
export function resolvePlannerOptions(overrides: Partial<PlannerOptions> = {}): PlannerOptions {
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_PLANNER_OPTIONS)) throw new PlannerError(`option '${name}'`, "unknown option");
  }
  const o: PlannerOptions = { ...DEFAULT_PLANNER_OPTIONS, ...overrides };
  if (!Number.isInteger(o.weightScale) || o.weightScale < 1 || o.weightScale > MAX_WEIGHT_SCALE) {
    bad("weightScale", `expected an integer from 1 to ${MAX_WEIGHT_SCALE}`, o.weightScale);
  }
  if (!inRange(o.headroom, 0, 1) || o.headroom === 1) bad("headroom", "expected a number from 0 up to (not including) 1", o.headroom);
  if (!inRange(o.maxStep, 0, 1) || o.maxStep === 0) bad("maxStep", "expected a number above 0, at most 1", o.maxStep);
  if (!inRange(o.stepIntervalSeconds, 0, Number.MAX_SAFE_INTEGER) || o.stepIntervalSeconds === 0) {
    bad("stepIntervalSeconds", "expected a number of seconds above 0", o.stepIntervalSeconds);
  }
  if (!inRange(o.hysteresis, 0, o.maxStep)) bad("hysteresis", `expected a number from 0 to maxStep (${o.maxStep})`, o.hysteresis);
  if (!inRange(o.batteryReserveSoc, 0, 1)) bad("batteryReserveSoc", "expected a number from 0 to 1", o.batteryReserveSoc);
  if (!inRange(o.horizonSeconds, 1, Number.MAX_SAFE_INTEGER)) bad("horizonSeconds", "expected a number of seconds ≥ 1", o.horizonSeconds);
  if (!inRange(o.latencyLimitMs, 0, Number.MAX_SAFE_INTEGER) || o.latencyLimitMs === 0) {
    bad("latencyLimitMs", "expected a number of milliseconds above 0", o.latencyLimitMs);
  }
  if (!inRange(o.latencyReleaseFraction, 0, 1) || o.latencyReleaseFraction === 0) {
    bad("latencyReleaseFraction", "expected a number above 0, at most 1", o.latencyReleaseFraction);
  }
  return Object.freeze(o);
}

function inRange(n: unknown, min: number, max: number): boolean {
  return typeof n === "number" && Number.isFinite(n) && n >= min && n <= max;
}

function bad(name: keyof PlannerOptions, expected: string, got: unknown): never {
  throw new PlannerError(`option '${name}'`, `${expected}, got ${String(got)}`);
}
