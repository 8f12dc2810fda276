// Reads the trace slices in test/fixtures/traces (shared by the planner tests and the demo): a tiny CSV reader (no quoting; the traces have none)
// and typed accessors for PV, grid carbon and load series.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const TRACE_FIXTURES = join(import.meta.dirname, "..", "fixtures", "traces");

export interface Csv {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Comma-separated values with a header line; throws if a row has the wrong number of fields. */
export function parseCsv(text: string): Csv {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? "").split(",");
  const rows = lines.slice(1).map((line, i) => {
    const fields = line.split(",");
    if (fields.length !== header.length) throw new Error(`line ${i + 2}: ${fields.length} fields, header has ${header.length}`);
    return fields;
  });
  return { header, rows };
}

export interface Sample {
  readonly atMs: number;
  readonly value: number;
}

/** A column of numbers by header name; the first column is a UTC time ("YYYY-MM-DD HH:MM:SS"). */
export function timeSeries(csv: Csv, column: string): Sample[] {
  const at = csv.header.indexOf(column);
  if (at < 0) throw new Error(`no column '${column}' in ${csv.header.join(",")}`);
  return csv.rows.map((row) => {
    const atMs = Date.parse(`${row[0]!.replace(" ", "T")}Z`);
    const value = Number(row[at]);
    if (!Number.isFinite(atMs) || !Number.isFinite(value)) throw new Error(`bad sample ${row[0]}, ${row[at]}`);
    return { atMs, value };
  });
}

function readCsv(file: string): Csv {
  return parseCsv(readFileSync(join(TRACE_FIXTURES, file), "utf8"));
}

/** PV output normalised to peak, 5-minute steps, for one of the ten Solcast cities. */
export function pvTrace(city: string): Sample[] {
  return timeSeries(readCsv("solcast-10-sites-5min-2022-06-13-to-15.csv"), city);
}

export const PV_CITIES = [
  "Berlin", "Cape Town", "Hong Kong", "Lagos", "Mexico City", "Mumbai", "San Francisco", "Stockholm", "Sydney", "São Paulo",
] as const;

/** Hourly grid carbon intensity (direct, gCO2eq/kWh) for ES, NO or US-CAL-CISO. */
export function carbonTrace(zone: "ES" | "NO" | "US-CAL-CISO"): Sample[] {
  return timeSeries(readCsv(`${zone}-2022-06-13-to-15-hourly.csv`), "Carbon Intensity gCO₂eq/kWh (direct)");
}

/** Normalised load for the first 25 hours of a vessim trace, hourly, `atMs` counted from 0. */
export function loadTrace(trace: string): Sample[] {
  const csv = readCsv("vessim-load-traces-hourly-first-day.csv");
  const at = csv.header.indexOf(trace);
  if (at < 1) throw new Error(`no load trace '${trace}'`);
  return csv.rows.map((row) => ({ atMs: Number(row[0]) * 1000, value: Number(row[at]) }));
}

/** The sample in force at `atMs`: the last one at or before it (hourly data held for the hour). */
export function valueAt(series: readonly Sample[], atMs: number): number {
  let value = series[0]?.value ?? Number.NaN;
  for (const s of series) {
    if (s.atMs > atMs) break;
    value = s.value;
  }
  return value;
}

/** Linear interpolation between samples, clamped at the ends. */
export function interpolate(series: readonly Sample[], atMs: number): number {
  const next = series.findIndex((s) => s.atMs >= atMs);
  if (next <= 0) return (next === 0 ? series[0] : series[series.length - 1])?.value ?? Number.NaN;
  const a = series[next - 1]!;
  const b = series[next]!;
  return a.value + ((b.value - a.value) * (atMs - a.atMs)) / (b.atMs - a.atMs);
}
