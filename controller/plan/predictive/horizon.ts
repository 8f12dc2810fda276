// The inputs' values step by step over the horizon: step 0 is now, step k the forecast's entry
// k − 1, and past a forecast's end its last value holds (persistence), as it does when there is
// no forecast at all.

/** Value at each of `steps` steps: `now`, then `forecast`, then its last value repeated. */
export function series(now: number, forecast: readonly number[] | undefined, steps: number): Float64Array {
  const out = new Float64Array(steps);
  let last = now;
  for (let k = 0; k < steps; k++) {
    if (k > 0 && forecast !== undefined && k - 1 < forecast.length) last = forecast[k - 1]!;
    out[k] = last;
  }
  return out;
}

/** Battery efficiency per direction: a round trip of e loses √e charging and √e discharging. */
export function oneWayEfficiency(roundTrip: number | undefined): number {
  return Math.sqrt(roundTrip ?? 1);
}

/**
 * Lengths (in steps) of the program's periods over `steps` steps: `fineSteps` single steps, then
 * periods of 2, 2, 4, 4, 8, 8, … steps, the last cut to end with the horizon. The near future is
 * planned step by step; further out, where forecasts are rougher and only the direction matters,
 * one period covers several steps, which keeps the program small enough for the time budget.
 */
export function periodLengths(steps: number, fineSteps: number): number[] {
  const out: number[] = [];
  let covered = 0;
  for (let p = 0; covered < steps; p++) {
    const length = p < fineSteps ? 1 : 2 ** (1 + Math.floor((p - fineSteps) / 2));
    const taken = Math.min(length, steps - covered);
    out.push(taken);
    covered += taken;
  }
  return out;
}

/** Mean of each period's steps. */
export function periodMeans(values: Float64Array, lengths: readonly number[]): Float64Array {
  const out = new Float64Array(lengths.length);
  let k = 0;
  lengths.forEach((length, p) => {
    let sum = 0;
    for (let j = 0; j < length; j++) sum += values[k++]!;
    out[p] = sum / length;
  });
  return out;
}

/** Largest of each period's steps. */
export function periodMaxima(values: Float64Array, lengths: readonly number[]): Float64Array {
  const out = new Float64Array(lengths.length);
  let k = 0;
  lengths.forEach((length, p) => {
    let max = -Infinity;
    for (let j = 0; j < length; j++) max = Math.max(max, values[k++]!);
    out[p] = max;
  });
  return out;
}
