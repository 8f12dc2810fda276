// A trace onto the scenario's step grid. Step k covers [start + k·step, start + (k+1)·step) and
// takes the trace's value at the step's start:
//   hold   — the last row at or before the step start (a value that stands until the next row,
//            like an hourly carbon intensity);
//   linear — interpolated between the rows either side (a sampled curve, like PV or load).
// A trace much finer than the step is sampled, not averaged.
//
// Alignment: `shift` is added to the trace's times (-365d reads June 2023 as June 2022).
// `repeat` wraps a trace shorter than the run: one period is last − first + the trace's interval,
// so the first row follows the last one interval later, as the next row would have. At the join,
// linear interpolates from the last value to the first; hold keeps the last value for that one
// interval. A repeating trace also wraps backwards before its first row.

import { formatUtc } from "./time.js";

export type ResampleMode = "hold" | "linear";

export interface StepGrid {
  /** Start of step 0, ms since the epoch. */
  readonly startMs: number;
  readonly stepMs: number;
  readonly steps: number;
}

export interface TraceSeries {
  /** Strictly increasing, ms since the epoch; at least 2 rows. */
  readonly timesMs: Float64Array;
  readonly values: Float64Array;
  /** The trace's own interval, ms (the spacing a next row would have). */
  readonly intervalMs: number;
}

export interface TraceAlignment {
  /** Added to every time of the trace, ms. */
  readonly shiftMs: number;
  readonly repeat: boolean;
}

export type Resampled = { readonly values: Float64Array; readonly error?: undefined } | { readonly error: string };

export function resample(series: TraceSeries, grid: StepGrid, mode: ResampleMode, alignment: TraceAlignment): Resampled {
  const { timesMs, values, intervalMs } = series;
  const n = timesMs.length;
  const first = timesMs[0]!;
  const last = timesMs[n - 1]!;
  if (!alignment.repeat) {
    const problem = coverage(series, grid, mode, alignment.shiftMs);
    if (problem !== undefined) return { error: problem };
  }
  const period = last - first + intervalMs;
  const out = new Float64Array(grid.steps);
  let i = 0; // row at or before the current time; steps rise, so without repeat it only moves forward
  for (let k = 0; k < grid.steps; k++) {
    let t = grid.startMs + k * grid.stepMs - alignment.shiftMs;
    if (alignment.repeat) {
      t = first + (((t - first) % period) + period) % period;
      if (t > last) {
        // In the join between one copy's last row and the next copy's first.
        out[k] = mode === "hold" ? values[n - 1]! : lerp(values[n - 1]!, values[0]!, (t - last) / intervalMs);
        continue;
      }
      i = rowAtOrBefore(timesMs, t);
    } else {
      while (i + 1 < n && timesMs[i + 1]! <= t) i++;
    }
    if (mode === "hold" || timesMs[i] === t || i + 1 >= n) {
      out[k] = values[i]!;
    } else {
      out[k] = lerp(values[i]!, values[i + 1]!, (t - timesMs[i]!) / (timesMs[i + 1]! - timesMs[i]!));
    }
  }
  return { values: out };
}

/** Why a trace (shifted) does not cover every step start, or undefined when it does. */
function coverage(series: TraceSeries, grid: StepGrid, mode: ResampleMode, shiftMs: number): string | undefined {
  const first = series.timesMs[0]! + shiftMs;
  const last = series.timesMs[series.timesMs.length - 1]! + shiftMs;
  const lastStepMs = grid.startMs + (grid.steps - 1) * grid.stepMs;
  // A held row stands for one interval; an interpolated curve ends at its last row.
  const end = mode === "hold" ? last + series.intervalMs : last;
  const covered = mode === "hold" ? lastStepMs < end : lastStepMs <= end;
  if (first <= grid.startMs && covered) return undefined;
  const shifted = shiftMs === 0 ? "" : " (after its shift)";
  return `covers ${formatUtc(first)} to ${formatUtc(last)}${shifted}, but the run's steps start from ${formatUtc(grid.startMs)} to ${formatUtc(lastStepMs)}` +
    ` (${mode}); shorten the run, shift the trace or set repeat: true`;
}

function rowAtOrBefore(timesMs: Float64Array, t: number): number {
  let lo = 0;
  let hi = timesMs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (timesMs[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}
