// Turns real-valued shares into integer weights with an exact total (largest remainder method),
// so a service's weights always sum to the scale and never drift by a rounding unit.

/**
 * Integers, one per value, summing to `total`: each is the value's floor or floor + 1, and the
 * extra units go to the largest fractional parts (ties: lower index). Values ≤ 0 get 0 and never
 * an extra unit. `values` should sum to `total`; a small floating-point error is absorbed.
 */
export function roundToTotal(values: readonly number[], total: number): number[] {
  const out = values.map((v) => (v > 0 ? Math.floor(v) : 0));
  let missing = total - out.reduce((a, b) => a + b, 0);
  if (missing <= 0) return trimExcess(out, -missing);
  const order = values
    .map((v, i) => ({ i, part: v > 0 ? v - Math.floor(v) : -1 }))
    .filter((e) => e.part >= 0)
    .sort((a, b) => b.part - a.part || a.i - b.i);
  // More than one pass only when the values fall short of the total by more than rounding.
  for (let k = 0; order.length > 0 && missing > 0; k++, missing--) {
    const e = order[k % order.length]!;
    out[e.i]! += 1;
  }
  return out;
}

/** Removes `excess` units from the largest entries (only reached when values overshoot the total). */
function trimExcess(out: number[], excess: number): number[] {
  for (let n = excess; n > 0; n--) {
    let at = 0;
    for (let i = 1; i < out.length; i++) if (out[i]! > out[at]!) at = i;
    if (out[at]! === 0) break;
    out[at]! -= 1;
  }
  return out;
}

/**
 * One service's weights: `shares` (summing to 1) cover the eligible upstreams in order; every
 * other upstream gets 0. With no share at all (no eligible upstream) every weight is 0.
 */
export function weightsFromShares(shares: readonly number[], eligible: readonly boolean[], scale: number): number[] {
  if (shares.length === 0) return eligible.map(() => 0);
  const weights = roundToTotal(shares.map((x) => x * scale), scale);
  let k = 0;
  return eligible.map((e) => (e ? weights[k++]! : 0));
}
