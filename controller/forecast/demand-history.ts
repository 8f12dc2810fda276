// Observed demand per service over the last days, as the demand forecaster reads it: one mean per
// step (5 minutes) in a fixed ring per service, so memory is services × steps whatever the
// planning rate. Each planning cycle adds the demand it observed; a step's entry is the mean of
// the observations made in it.
import type { DemandObservation } from "./demand-forecast.js";
import { PlannerError } from "../plan/planner-options.js";

export interface DemandHistoryOptions {
  /** Width of one entry, in seconds. */
  readonly stepSeconds: number;
  /** Entries kept per service (576 of 5 minutes: two days, enough for "the same time yesterday"). */
  readonly steps: number;
}

export const DEFAULT_DEMAND_HISTORY_OPTIONS: DemandHistoryOptions = Object.freeze({ stepSeconds: 300, steps: 576 });

interface ServiceRing {
  /** Which step (floor(ms / stepMs)) each slot holds; -1 when empty. */
  readonly ids: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  /** Time of the latest observation in the newest step: that entry ends there. */
  latestMs: number;
  newest: number;
}

export class DemandHistory {
  private readonly rings = new Map<string, ServiceRing>();
  private readonly stepMs: number;
  private readonly options: DemandHistoryOptions;

  /** Throws PlannerError naming a bad option. */
  constructor(overrides: Partial<DemandHistoryOptions> = {}) {
    this.options = { ...DEFAULT_DEMAND_HISTORY_OPTIONS, ...overrides };
    const { stepSeconds, steps } = this.options;
    if (!(Number.isInteger(stepSeconds) && stepSeconds >= 1)) throw new PlannerError("demand history option 'stepSeconds'", `expected an integer ≥ 1, got ${stepSeconds}`);
    if (!(Number.isInteger(steps) && steps >= 1 && steps <= 100_000)) throw new PlannerError("demand history option 'steps'", `expected an integer from 1 to 100000, got ${steps}`);
    this.stepMs = stepSeconds * 1000;
  }

  /** Memory held, in slots: services seen × steps. */
  get slots(): number {
    return this.rings.size * this.options.steps;
  }

  /** Adds one observation (mean requests/s over a recent window) made at `atMs`; one before the newest step is ignored. */
  add(service: string, atMs: number, rps: number): void {
    if (!(Number.isFinite(atMs) && Number.isFinite(rps) && rps >= 0)) return;
    const n = this.options.steps;
    let ring = this.rings.get(service);
    if (ring === undefined) {
      ring = { ids: new Float64Array(n).fill(-1), sums: new Float64Array(n), counts: new Float64Array(n), latestMs: -1, newest: -1 };
      this.rings.set(service, ring);
    }
    const id = Math.floor(atMs / this.stepMs);
    if (id < ring.newest) return;
    const slot = id % n;
    if (ring.ids[slot] !== id) {
      ring.ids[slot] = id;
      ring.sums[slot] = 0;
      ring.counts[slot] = 0;
    }
    ring.sums[slot]! += rps;
    ring.counts[slot]! += 1;
    ring.newest = id;
    ring.latestMs = Math.max(ring.latestMs, atMs);
  }

  /**
   * The service's entries, oldest first: the mean of each step kept, timed at the step's end,
   * and the step in progress timed at its latest observation.
   */
  series(service: string): DemandObservation[] {
    const ring = this.rings.get(service);
    if (ring === undefined) return [];
    const n = this.options.steps;
    const out: DemandObservation[] = [];
    for (let id = ring.newest - n + 1; id <= ring.newest; id++) {
      if (id < 0) continue;
      const slot = id % n;
      if (ring.ids[slot] !== id || ring.counts[slot]! === 0) continue;
      const atMs = id === ring.newest ? ring.latestMs : (id + 1) * this.stepMs;
      out.push({ atMs, rps: ring.sums[slot]! / ring.counts[slot]! });
    }
    return out;
  }
}
