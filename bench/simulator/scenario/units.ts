// Declared units of the traces and how each becomes the simulator's: carbon in gCO2/kWh, PV in W,
// demand in requests/s. A unit not listed here is refused by the schema, which lists these.
// Raw values are checked against the unit's range (at file:line:column) before conversion.

/** Grid carbon intensity: factor to gCO2/kWh. 1 lb = 453.592 g, so 1 lbs/MWh = 0.453592 g/kWh. */
export const CARBON_UNITS = { "g/kWh": 1, "kg/MWh": 1, "lbs/MWh": 0.453592 } as const;
export type CarbonUnit = keyof typeof CARBON_UNITS;

/** PV output: `fraction` of the site's peak (× pv.peak_w), or power in W or kW. */
export const PV_UNITS = ["fraction", "W", "kW"] as const;
export type PvUnit = (typeof PV_UNITS)[number];

/**
 * Demand: `rps` as is; `count_per_interval` is requests per row interval (÷ the trace's own
 * interval in seconds); `relative` is a shape without a unit, so it needs peak_rps or scale.
 */
export const DEMAND_UNITS = ["rps", "count_per_interval", "relative"] as const;
export type DemandUnit = (typeof DEMAND_UNITS)[number];

/** Values a raw cell may hold in each unit: no negative energy, no fraction above 1. */
export function rawRange(unit: CarbonUnit | PvUnit | DemandUnit): { min: number; max: number } {
  return { min: 0, max: unit === "fraction" ? 1 : Infinity };
}

export function carbonToGPerKwh(values: Float64Array, unit: CarbonUnit): Float64Array {
  return scaled(values, CARBON_UNITS[unit]);
}

/** PV in W; `peakWatts` is required for `fraction`. */
export function pvToWatts(values: Float64Array, unit: PvUnit, peakWatts: number | undefined): Float64Array {
  if (unit === "fraction") {
    if (peakWatts === undefined) throw new RangeError("a PV trace in fraction of peak needs peak_w");
    return scaled(values, peakWatts);
  }
  return scaled(values, unit === "kW" ? 1000 : 1);
}

/** How the converted demand is sized: by a factor, or so its largest step equals peak_rps (one, not both). */
export interface DemandSizing {
  readonly scale?: number;
  readonly peakRps?: number;
}

export type Converted = { readonly values: Float64Array; readonly error?: undefined } | { readonly values?: undefined; readonly error: string };

/**
 * Demand in requests/s over the steps given (already resampled). `intervalSeconds` is the
 * trace's own row interval, for `count_per_interval`. peak_rps sets the largest value of
 * `peakOf` (same unit as `values`; default `values` itself) to peak_rps.
 */
export function demandToRps(values: Float64Array, unit: DemandUnit, intervalSeconds: number, sizing: DemandSizing,
  peakOf: Float64Array = values): Converted {
  const rps = unit === "count_per_interval" ? scaled(values, 1 / intervalSeconds) : values.slice();
  if (sizing.scale !== undefined && sizing.peakRps !== undefined) return { error: "give peak_rps or scale, not both" };
  if (sizing.scale !== undefined) return { values: scaled(rps, sizing.scale) };
  if (sizing.peakRps !== undefined) {
    const max = peakOf.reduce((m, v) => Math.max(m, v), 0) / (unit === "count_per_interval" ? intervalSeconds : 1);
    if (max === 0) return { error: "the trace is 0 at every step of the run, so peak_rps cannot size it" };
    return { values: scaled(rps, sizing.peakRps / max) };
  }
  if (unit === "relative") return { error: "a relative demand trace needs peak_rps or scale" };
  return { values: rps };
}

function scaled(values: Float64Array, factor: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return out;
}
