// Damping: weights move towards the planner's target in bounded steps and stay put under small
// changes, so routing does not oscillate with noisy inputs. The bound is per unit of time, not
// per call: one planning interval allows one step, so urgent cycles and bursts of readings in
// between do not add up to a jump. The hard rules come first: a site that may not take traffic is
// at 0 before any step is taken, and a step that would overload a site moves on towards the target
// just as far as it must (catchUpForCapacity).
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
 * The share of one step that the time since the previous plan allows: elapsed / interval, from 0
 * (no time passed, or the clock stepped back) to 1 (a whole interval or more). Plans at t0 < t1 <
 * … < tn within one interval together get at most one step.
 */
export function stepFraction(previousNowMs: number | null, nowMs: number, stepIntervalSeconds: number): number {
  if (previousNowMs === null) return 1;
  const elapsedMs = nowMs - previousNowMs;
  if (!(elapsedMs > 0)) return 0;
  return Math.min(1, elapsedMs / (stepIntervalSeconds * 1000));
}

/**
 * One service: `target` sums to the scale and is 0 wherever `eligible` is false. Weight freed by
 * a newly ineligible or removed upstream goes where the target wants it, outside the step bound.
 * Every other weight moves by at most floor(maxStep × scale × fraction) units: whole units, so
 * rounding never lets a series of small steps add up to more than the bound.
 */
export function dampService(
  target: readonly number[],
  previous: PreviousWeights | null,
  eligible: readonly boolean[],
  options: DampOptions,
  fraction = 1,
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
  const step = Math.floor(options.maxStep * scale * Math.min(1, Math.max(0, fraction)));
  if (largest <= step) return { weights: [...target], damping: "target" };
  if (step === 0) return { weights: from, damping: "stepped" };
  // Scaling every move by the same factor keeps the sum and the direction of each move; each exact
  // move is within ±step, an integer, so rounding to a neighbouring integer stays within it too.
  const k = step / largest;
  return { weights: roundToTotal(from.map((w, i) => w + delta[i]! * k), scale), damping: "stepped" };
}

export interface ServiceLoad {
  readonly demandRps: number;
  /** Site index of each upstream. */
  readonly siteOf: readonly number[];
}

/**
 * Where damped weights would put a site above what it may take — its limit, or what the target
 * itself puts there if that is more (a shortfall spreads demand above every limit) — the services
 * that push it there (more weight there than their target) move on along the line to their
 * target, all by the same fraction c, the least that brings every such site back within bounds:
 *
 *     load_i(c) = load_i(damped) + c × (load_i(target of the movers) − load_i(damped of the movers))
 *
 * So no site is planned above its limit unless the target puts it there (a shortfall), and then
 * not above the target's load beyond rounding (one weight unit of each service there): never more
 * than the undamped answer would. A capacity problem costs only the movement it needs, not a jump
 * to the target. In a shortfall over every site of a single service, though, the sites' loads are
 * pinned (they sum to the demand and each may not exceed the target's): that service gets its target. Repeats while another site goes over; after `services.length` rounds the movers take
 * their target (the old rule, which always ends: targets alone never overload). Returns which
 * services moved beyond their step; `damped` is updated in place.
 */
export function catchUpForCapacity(
  damped: number[][],
  targets: readonly (readonly number[])[],
  services: readonly ServiceLoad[],
  limitRps: readonly number[],
  scale: number,
): boolean[] {
  const moved = services.map(() => false);
  const planned = siteLoads(targets, services, limitRps.length, scale);
  // One weight unit of every service at the site: the most rounding can add there.
  const unit = siteLoads(services.map((svc) => svc.siteOf.map(() => 1)), services, limitRps.length, scale);
  // A site the target keeps within its limit (give or take its own rounding) is aimed a unit below
  // it, so rounding cannot cross it; a site the target puts above it (a shortfall) is aimed at the
  // target's load, and rounding may add its unit there.
  const overTarget = planned.map((p, i) => p > limitRps[i]! + unit[i]!);
  const aim = limitRps.map((limit, i) => (overTarget[i] ? planned[i]! : limit - unit[i]!));
  const bound = limitRps.map((limit, i) => (overTarget[i] ? planned[i]! + unit[i]! : Math.max(limit, planned[i]!)));
  for (let round = 0; ; round++) {
    const load = siteLoads(damped, services, limitRps.length, scale);
    const over = bound.flatMap((b, i) => (load[i]! > b + 1e-9 * Math.max(1, b) ? [i] : []));
    if (over.length === 0) return moved;
    const movers = services.flatMap((svc, s) =>
      svc.siteOf.some((i, j) => over.includes(i) && damped[s]![j]! > targets[s]![j]!) ? [s] : [],
    );
    // Unreachable (a site over its target load has a service above its target there), but never loop on it.
    if (movers.length === 0) return moved;
    // Only the movers' part of each site's load changes with c.
    const change = new Array<number>(limitRps.length).fill(0);
    for (const s of movers) {
      services[s]!.siteOf.forEach((i, j) => {
        change[i]! += ((targets[s]![j]! - damped[s]![j]!) * services[s]!.demandRps) / scale;
      });
    }
    let c = 0;
    for (const i of over) c = Math.max(c, change[i]! < 0 ? Math.min(1, (load[i]! - aim[i]!) / -change[i]!) : 1);
    if (round >= services.length) c = 1;
    for (const s of movers) {
      damped[s] = c === 1
        ? [...targets[s]!]
        : roundToTotal(damped[s]!.map((w, j) => w + c * (targets[s]![j]! - w)), scale);
      moved[s] = true;
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
