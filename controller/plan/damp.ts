// Damping: weights move towards the planner's target in bounded steps and stay put under small
// changes, so routing does not oscillate with noisy inputs. The hard rules come first: a site
// that may not take traffic is at 0 before any step is taken, and a step that would overload a
// site is replaced by the target (enforceSiteLimits).
import type { Damping } from "./plan.js";
import type { PlannerOptions } from "./planner-options.js";
import { roundToTotal } from "./round-weights.js";

export interface PreviousWeights {
  /** Last cycle's weights over this cycle's upstreams (0 for an upstream that is new). */
  readonly weights: readonly number[];
  /** Their sum over all of last cycle's upstreams, including any that are gone now. */
  readonly total: number;
}

export interface Damped {
  readonly weights: number[];
  readonly damping: Damping;
}

type DampOptions = Pick<PlannerOptions, "weightScale" | "maxStep" | "hysteresis">;

/**
 * One service: `target` sums to the scale and is 0 wherever `eligible` is false. Weight freed by
 * a newly ineligible or removed upstream goes where the target wants it, outside the step bound.
 */
export function dampService(
  target: readonly number[],
  previous: PreviousWeights | null,
  eligible: readonly boolean[],
  options: DampOptions,
): Damped {
  const scale = options.weightScale;
  if (previous === null || previous.total !== scale) return { weights: [...target], damping: "initial" };
  let from = previous.weights.map((w, i) => (eligible[i] ? w : 0));
  const freed = scale - from.reduce((a, b) => a + b, 0);
  if (freed > 0) from = roundToTotal(from.map((w, i) => w + (freed * target[i]!) / scale), scale);

  const delta = target.map((t, i) => t - from[i]!);
  const largest = Math.max(...delta.map(Math.abs));
  if (largest === 0) return { weights: from, damping: "target" };
  if (largest < options.hysteresis * scale) return { weights: from, damping: "held" };
  const step = options.maxStep * scale;
  if (largest <= step) return { weights: [...target], damping: "target" };
  // Scaling every move by the same factor keeps the sum and the direction of each move.
  const k = step / largest;
  return { weights: roundToTotal(from.map((w, i) => w + delta[i]! * k), scale), damping: "stepped" };
}

export interface ServiceLoad {
  readonly demandRps: number;
  /** Site index of each upstream. */
  readonly siteOf: readonly number[];
}

/**
 * Replaces a service's damped weights by its target wherever they would put a site above its
 * limit (or above what the target itself puts there, which rounding may exceed by a unit).
 * Terminates: each round snaps at least one more service, and targets alone never overload.
 * Returns which services were snapped; `damped` is updated in place.
 */
export function enforceSiteLimits(
  damped: number[][],
  targets: readonly (readonly number[])[],
  services: readonly ServiceLoad[],
  limitRps: readonly number[],
  scale: number,
): boolean[] {
  const snapped = services.map(() => false);
  for (;;) {
    const load = siteLoads(damped, services, limitRps.length, scale);
    const planned = siteLoads(targets, services, limitRps.length, scale);
    const over = limitRps.flatMap((limit, i) => {
      const allowed = Math.max(limit, planned[i]!);
      return load[i]! > allowed + 1e-9 * Math.max(1, allowed) ? [i] : [];
    });
    const toSnap = services.flatMap((svc, s) =>
      !snapped[s] && svc.siteOf.some((i, j) => over.includes(i) && damped[s]![j]! > targets[s]![j]!) ? [s] : [],
    );
    if (toSnap.length === 0) return snapped;
    for (const s of toSnap) {
      damped[s] = [...targets[s]!];
      snapped[s] = true;
    }
  }
}

/** Requests/s each site gets from the given weights, all services together. */
export function siteLoads(
  weights: readonly (readonly number[])[],
  services: readonly ServiceLoad[],
  siteCount: number,
  scale: number,
): number[] {
  const load = new Array<number>(siteCount).fill(0);
  services.forEach((svc, s) => {
    svc.siteOf.forEach((i, j) => {
      load[i]! += (weights[s]![j]! * svc.demandRps) / scale;
    });
  });
  return load;
}
