// Choosing an upstream: pure functions of a service and the caller's randomness or key hash
// (docs/weight-table.md, "Choosing an upstream"). No host calls, no allocation.
import { mix64 } from "./hash";
import { Service, Upstream, WeightTable } from "../table/weight-table";

const BASIS_POINTS: u64 = 10000;
const CANARY_SALT: u64 = 0x5a1a_c0de_cafe_f00d;
const TWO_POW_MINUS_53: f64 = 1.0 / 9007199254740992.0;

/** Whether a request uses the canary weights; `draw` is uniform over u64. */
@inline
export function useCanary(table: WeightTable, draw: u64): bool {
  return table.hasCanary && (draw & 0xffffffff) % BASIS_POINTS < <u64>table.canaryBp;
}

/** Canary choice for a sticky key: the same key always lands in the same weight set. */
@inline
export function stickyCanaryDraw(keyHash: u64): u64 {
  return mix64(keyHash ^ CANARY_SALT);
}

/**
 * Weighted random choice: upstream i with probability weight_i / total. `draw` is uniform over
 * u64; its high 32 bits scale into [0, total) with a bias below total / 2^32.
 */
export function pickWeighted(service: Service, canary: bool, draw: u64): Upstream | null {
  const total = canary ? service.canaryTotal : service.total;
  if (total == 0) return null;
  const target = <u32>(((draw >>> 32) * <u64>total) >>> 32);
  const sums = canary ? service.cumulativeCanary : service.cumulative;
  const n = sums.length;
  for (let i = 0; i < n; i++) {
    if (unchecked(sums[i]) > target) return unchecked(service.upstreams[i]);
  }
  return null;
}

/**
 * Weighted rendezvous hashing: the upstream minimising -ln(u_i) / w_i, with u_i in (0, 1) from
 * the key and the upstream's name. A weight change only moves keys to or from that upstream.
 */
export function pickSticky(service: Service, canary: bool, keyHash: u64): Upstream | null {
  let best: Upstream | null = null;
  let bestScore = Infinity;
  const upstreams = service.upstreams;
  const n = upstreams.length;
  for (let i = 0; i < n; i++) {
    const upstream = unchecked(upstreams[i]);
    const weight = canary ? upstream.canaryWeight : upstream.weight;
    if (weight == 0) continue;
    const u = (<f64>(mix64(keyHash ^ upstream.nameHash) >>> 11) + 0.5) * TWO_POW_MINUS_53;
    const score = -Math.log(u) / <f64>weight;
    if (score < bestScore) {
      bestScore = score;
      best = upstream;
    }
  }
  return best;
}
