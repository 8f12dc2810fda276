// Energy and health readings from a site, as every source (HTTP, gRPC, Prometheus) delivers them,
// and the one parser that checks them: units, ranges, timestamps, known sites. A batch is
// accepted whole or not at all.
import { z } from "zod";
import { ControllerError, type Parsed } from "../errors/controller-error.js";

export type SiteHealth = "healthy" | "unhealthy" | "draining";

export interface ForecastPoint {
  atMs: number;
  pvWatts: number;
}

export interface EnergyReading {
  site: string;
  atMs: number;
  pvWatts?: number;
  /** 0..100 % */
  batterySocPercent?: number;
  batteryCapacityWh?: number;
  gridCarbon?: number;
  health?: SiteHealth;
  forecast?: ForecastPoint[];
}

/** How far a reading's timestamp may be ahead of the controller's clock, or behind it. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_READING_AGE_MS = 24 * 3_600_000;
export const MAX_BATCH = 1_000;
export const MAX_FORECAST_POINTS = 288;

// z.number() refuses NaN and ±Infinity, which JSON cannot carry but protobuf doubles can.
const watts = z.number().min(0, "expected watts ≥ 0");
const timestamp = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]);

const readingSchema = z.object({
  site: z.string().min(1),
  timestamp,
  pv_watts: watts.optional(),
  battery_soc_percent: z.number().min(0, "expected 0..100 %").max(100, "expected 0..100 %").optional(),
  battery_capacity_wh: z.number().min(0, "expected Wh ≥ 0").optional(),
  grid_carbon_g_per_kwh: z.number().min(0, "expected gCO2/kWh ≥ 0").max(5_000, "expected gCO2/kWh ≤ 5000").optional(),
  health: z.enum(["healthy", "unhealthy", "draining"]).optional(),
  forecast: z.array(z.object({ timestamp, pv_watts: watts }).strict()).max(MAX_FORECAST_POINTS).optional(),
}).strict();

const batchSchema = z.object({ readings: z.array(readingSchema).min(1).max(MAX_BATCH) }).strict();

export type ReadingBatchInput = z.input<typeof batchSchema>;

function toMs(t: number | string): number {
  return typeof t === "number" ? t : Date.parse(t);
}

/**
 * Checks a batch of readings (`{ readings: [...] }`, snake_case as on the wire) against the
 * known sites and the clock. The first problem is reported with its field path.
 */
export function parseReadings(input: unknown, knownSites: ReadonlySet<string>, nowMs: number): Parsed<EnergyReading[]> {
  const parsed = batchSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: ControllerError.invalid(issue.path.join(".") || "(body)", issue.message) };
  }
  const out: EnergyReading[] = [];
  for (const [i, r] of parsed.data.readings.entries()) {
    const at = `readings.${i}`;
    if (!knownSites.has(r.site)) {
      return { error: ControllerError.invalid(`${at}.site`, `unknown site '${r.site}' (known: ${[...knownSites].join(", ")})`) };
    }
    const atMs = toMs(r.timestamp);
    const skew = checkTime(atMs, nowMs, `${at}.timestamp`);
    if (skew) return { error: skew };
    const forecast: ForecastPoint[] = [];
    for (const [j, p] of (r.forecast ?? []).entries()) {
      const pointMs = toMs(p.timestamp);
      if (pointMs < atMs) return { error: ControllerError.invalid(`${at}.forecast.${j}.timestamp`, "expected a time at or after the reading's") };
      forecast.push({ atMs: pointMs, pvWatts: p.pv_watts });
    }
    out.push(stripUndefined({
      site: r.site,
      atMs,
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

function checkTime(atMs: number, nowMs: number, field: string): ControllerError | null {
  if (atMs > nowMs + MAX_CLOCK_SKEW_MS) return ControllerError.invalid(field, `more than ${MAX_CLOCK_SKEW_MS / 1000} s in the future`);
  if (atMs < nowMs - MAX_READING_AGE_MS) return ControllerError.invalid(field, `older than ${MAX_READING_AGE_MS / 3_600_000} h`);
  return null;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
