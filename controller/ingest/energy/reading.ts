// Energy and health readings from a site, as every source (HTTP, gRPC, Prometheus) delivers them,
// and the one parser that checks them: counts first (before anything is copied or validated),
// then units, bounds, timestamps and known sites. A batch is accepted whole or not at all.
import { z } from "zod";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { timestampField } from "./timestamp.js";

export type SiteHealth = "healthy" | "unhealthy" | "draining";

export interface ForecastPoint {
  atMs: number;
  pvWatts: number;
}

export interface EnergyReading {
  site: string;
  /** When the reading holds; never after the time it was received (see MAX_CLOCK_SKEW_MS). */
  atMs: number;
  /** Only for a reading stamped ahead of its receive time: the time as sent (atMs is clamped). */
  sentAtMs?: number;
  pvWatts?: number;
  /** 0..100 % */
  batterySocPercent?: number;
  batteryCapacityWh?: number;
  gridCarbon?: number;
  health?: SiteHealth;
  forecast?: ForecastPoint[];
}

/**
 * How far a reading may be stamped ahead of the controller's clock. Such a reading is accepted
 * and its time clamped to the receive time, so a site whose clock runs ahead never makes its own
 * next on-time reading look older than the latest.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_READING_AGE_MS = 24 * 3_600_000;
/** Readings in one batch: one HTTP body, one gRPC message. */
export const MAX_BATCH_READINGS = 1_000;
export const MAX_FORECAST_POINTS = 288;
/** The last forecast point at most this far after its reading. */
export const MAX_FORECAST_HORIZON_MS = 7 * 24 * 3_600_000;
/** Site names are DNS labels (config/schema.ts). */
export const MAX_SITE_NAME_LENGTH = 63;
/** 1 GW: above the largest solar parks; anything larger is a unit error. */
export const MAX_PV_WATTS = 1e9;
/** 10 GWh: above the largest battery installations. */
export const MAX_BATTERY_CAPACITY_WH = 1e10;
/** Above the dirtiest grid mixes (lignite is ~1,100 gCO2/kWh). */
export const MAX_GRID_CARBON_G_PER_KWH = 5_000;

// z.number() refuses NaN and ±Infinity, which JSON cannot carry but protobuf doubles can.
const bounded = (unit: string, max: number, label = String(max)) =>
  z.number().min(0, `expected ${unit} ≥ 0`).max(max, `expected ${unit} ≤ ${label}`);
const watts = bounded("watts", MAX_PV_WATTS, "1e9 (1 GW)");

const readingSchema = z.object({
  site: z.string().min(1, "expected a site name").max(MAX_SITE_NAME_LENGTH, `expected at most ${MAX_SITE_NAME_LENGTH} characters`),
  timestamp: timestampField,
  pv_watts: watts.optional(),
  battery_soc_percent: z.number().min(0, "expected 0..100 %").max(100, "expected 0..100 %").optional(),
  battery_capacity_wh: bounded("Wh", MAX_BATTERY_CAPACITY_WH, "1e10 (10 GWh)").optional(),
  grid_carbon_g_per_kwh: bounded("gCO2/kWh", MAX_GRID_CARBON_G_PER_KWH).optional(),
  health: z.enum(["healthy", "unhealthy", "draining"]).optional(),
  forecast: z.array(z.object({ timestamp: timestampField, pv_watts: watts }).strict()).optional(),
}).strict();

const batchSchema = z.object({ readings: z.array(readingSchema).min(1, "expected at least one reading") }).strict();

export type ReadingBatchInput = z.input<typeof batchSchema>;

export interface ParseOptions {
  /** Put before every field path, e.g. "messages.3." for the fourth message of a stream. */
  fieldPrefix?: string;
}

/**
 * Checks a batch of readings (`{ readings: [...] }`, snake_case as on the wire) against the
 * known sites and the clock (`nowMs`, the receive time). The first problem is reported with its
 * field path.
 */
export function parseReadings(
  input: unknown, knownSites: ReadonlySet<string>, nowMs: number, options: ParseOptions = {},
): Parsed<EnergyReading[]> {
  const prefix = options.fieldPrefix ?? "";
  const invalid = (path: string, message: string) =>
    ControllerError.invalid(path === "" ? (prefix === "" ? "(body)" : prefix.replace(/\.$/, "")) : prefix + path, message);
  const tooMany = checkCounts(input);
  if (tooMany) return { error: invalid(tooMany.path, tooMany.message) };
  const parsed = batchSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: invalid(issue.path.join("."), issue.message) };
  }
  const out: EnergyReading[] = [];
  for (const [i, r] of parsed.data.readings.entries()) {
    const at = `readings.${i}`;
    if (!knownSites.has(r.site)) {
      return { error: invalid(`${at}.site`, `unknown site '${r.site}' (known: ${[...knownSites].join(", ")})`) };
    }
    const skew = checkTime(r.timestamp, nowMs);
    if (skew) return { error: invalid(`${at}.timestamp`, skew) };
    const forecast: ForecastPoint[] = [];
    for (const [j, p] of (r.forecast ?? []).entries()) {
      const problem = checkForecastTime(p.timestamp, r.timestamp, forecast.at(-1)?.atMs);
      if (problem) return { error: invalid(`${at}.forecast.${j}.timestamp`, problem) };
      forecast.push({ atMs: p.timestamp, pvWatts: p.pv_watts });
    }
    out.push(stripUndefined({
      site: r.site,
      atMs: Math.min(r.timestamp, nowMs),
      sentAtMs: r.timestamp > nowMs ? r.timestamp : undefined,
      pvWatts: r.pv_watts,
      batterySocPercent: r.battery_soc_percent,
      batteryCapacityWh: r.battery_capacity_wh,
      gridCarbon: r.grid_carbon_g_per_kwh,
      health: r.health,
      forecast: r.forecast ? forecast : undefined,
    }));
  }
  return { value: out };
}

// Counted on the raw input, so a body with a million readings costs a length check, not a
// million validations.
function checkCounts(input: unknown): { path: string; message: string } | null {
  const readings = (input as { readings?: unknown } | null)?.readings;
  if (!Array.isArray(readings)) return null;
  if (readings.length > MAX_BATCH_READINGS) {
    return { path: "readings", message: `${readings.length} readings in one batch; at most ${MAX_BATCH_READINGS}` };
  }
  for (const [i, r] of readings.entries()) {
    const forecast = (r as { forecast?: unknown } | null)?.forecast;
    if (Array.isArray(forecast) && forecast.length > MAX_FORECAST_POINTS) {
      return { path: `readings.${i}.forecast`, message: `${forecast.length} points; at most ${MAX_FORECAST_POINTS}` };
    }
  }
  return null;
}

function checkTime(atMs: number, nowMs: number): string | null {
  if (atMs > nowMs + MAX_CLOCK_SKEW_MS) return `more than ${MAX_CLOCK_SKEW_MS / 1000} s in the future`;
  if (atMs < nowMs - MAX_READING_AGE_MS) return `older than ${MAX_READING_AGE_MS / 3_600_000} h`;
  return null;
}

function checkForecastTime(pointMs: number, readingMs: number, previousMs: number | undefined): string | null {
  if (pointMs < readingMs) return "expected a time at or after the reading's";
  if (previousMs !== undefined && pointMs <= previousMs) return "expected a time after the previous point's (strictly increasing)";
  if (pointMs > readingMs + MAX_FORECAST_HORIZON_MS) return `expected at most ${MAX_FORECAST_HORIZON_MS / 86_400_000} days after the reading`;
  return null;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
