// Field values from one scrape → scaled → the same snake_case batch HTTP and gRPC deliver → the
// shared readings parser. One scrape is one reading for one site, taken at the scrape's time, so
// the parser's rules (no NaN, no negative power, SoC ≤ 100 %, known site) apply unchanged.
import { parseReadings, type EnergyReading } from "../energy/reading.js";
import { failure, type FieldValues, type ScrapeFailure, type SourceField } from "./scrape-result.js";

/** Fields the energy model takes; power draw is reported by the source but has no place there yet. */
const READING_FIELDS = ["pv_watts", "battery_soc_percent", "battery_capacity_wh", "grid_carbon_g_per_kwh"] as const;

export interface SourceReadings {
  /** Empty when the scrape gave no energy field yet (only power draw, or counters still priming). */
  readings: EnergyReading[];
  powerDrawWatts?: number;
}

export function toReadings(
  site: string,
  values: FieldValues,
  scale: Partial<Record<SourceField, number>>,
  knownSites: ReadonlySet<string>,
  nowMs: number,
): { value: SourceReadings; failure?: undefined } | { failure: ScrapeFailure; value?: undefined } {
  const scaled = (field: SourceField): number | undefined => {
    const v = values[field];
    return v === undefined ? undefined : v * (scale[field] ?? 1);
  };
  const powerDraw = scaled("power_draw_watts");
  if (powerDraw !== undefined && !(Number.isFinite(powerDraw) && powerDraw >= 0)) {
    return failure("invalid", `power draw ${powerDraw} W; expected a finite number ≥ 0`, "power_draw_watts");
  }
  const reading: Record<string, unknown> = { site, timestamp: nowMs };
  let fields = 0;
  for (const field of READING_FIELDS) {
    const v = scaled(field);
    if (v === undefined) continue;
    reading[field] = v;
    fields++;
  }
  const out: SourceReadings = { readings: [] };
  if (powerDraw !== undefined) out.powerDrawWatts = powerDraw;
  // A reading with no field would still count as an update and wake the planner for nothing.
  if (fields === 0) return { value: out };
  const parsed = parseReadings({ readings: [reading] }, knownSites, nowMs);
  if (parsed.error) {
    const field = parsed.error.field?.replace(/^readings\.0\.?/, "");
    const known = READING_FIELDS.find((f) => f === field);
    const message = parsed.error.message.replace(`${parsed.error.field}: `, "");
    const value = known === undefined ? "" : ` (got ${String(reading[known])})`;
    return failure("invalid", `${message}${value}`, known);
  }
  out.readings = parsed.value;
  return { value: out };
}
