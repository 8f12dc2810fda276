// The scenario file (YAML) as a schema. Field names are snake_case in the file; load-scenario.ts
// resolves them into the Scenario type. Every message says what was expected, and the loader
// prefixes the field's path (e.g. `sites[3].battery.wh: expected a number ≥ 0`).
import { z } from "zod";
import { parseDuration, parseIsoUtc } from "./time.js";
import { CARBON_UNITS, DEMAND_UNITS, PV_UNITS } from "./units.js";

// Site and service names become upstream names `${service}-${site}`: DNS labels keep them valid.
const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const name = z.string({ error: "expected a name" }).regex(NAME, { error: "expected a DNS label of 1-32: lower-case letters, digits and '-'" });

const number = (what: string, min: number, max = Infinity, minInclusive = true) => {
  const text = max === Infinity ? `expected ${what} ${minInclusive ? "≥" : ">"} ${min}` : `expected ${what} within ${min}..${max}`;
  const base = z.number({ error: text });
  return (minInclusive ? base.min(min, { error: text }) : base.gt(min, { error: text })).max(max, { error: text });
};
const nonNegative = number("a number", 0);
const positive = number("a number", 0, Infinity, false);
const fraction = number("a number", 0, 1);

const duration = z.string({ error: "expected a duration like 5m, 1h30m or -365d" })
  .refine((t) => parseDuration(t) !== undefined, { error: "expected a duration like 5m, 1h30m or -365d" });
const instant = z.string({ error: "expected an ISO UTC time like 2022-06-08T00:05:00Z" })
  .refine((t) => parseIsoUtc(t) !== undefined, { error: "expected an ISO UTC time like 2022-06-08T00:05:00Z" });
/** A time in the run: an ISO instant or an offset from the start such as +36h. */
const runTime = z.string({ error: "expected an ISO UTC time or an offset from the start like +36h" })
  .refine((t) => (t.trim().startsWith("+") ? parseDuration(t) !== undefined : parseIsoUtc(t) !== undefined),
    { error: "expected an ISO UTC time or an offset from the start like +36h" });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `expected one of ${values.join(", ")}` });
const carbonUnits = Object.keys(CARBON_UNITS) as [keyof typeof CARBON_UNITS, ...(keyof typeof CARBON_UNITS)[]];

export const traceSchema = z.strictObject({
  /** Relative to the scenario file. */
  file: z.string({ error: "expected a file path" }).min(1, { error: "expected a file path" }),
  time: z.strictObject({
    column: z.string({ error: "expected a column name" }),
    /** When given, the column holds seconds from this instant; else ISO UTC times. */
    seconds_from: instant.optional(),
  }),
  resample: oneOf(["hold", "linear"]),
  shift: duration.optional(),
  repeat: z.boolean({ error: "expected true or false" }).default(false),
  /** Longest spacing between rows that is bridged; default: the trace's own interval. */
  max_gap: duration.optional(),
});

const traceColumn = { trace: z.string({ error: "expected the name of a trace" }), column: z.string({ error: "expected a column name" }) };

const windowSchema = z.strictObject({ from: runTime, to: runTime });

export const siteSchema = z.strictObject({
  name,
  lat: number("a latitude", -90, 90),
  lon: number("a longitude", -180, 180),
  capacity_rps: positive,
  base_load_w: nonNegative,
  watts_per_rps: nonNegative,
  pv: z.strictObject({ ...traceColumn, unit: oneOf(PV_UNITS), peak_w: nonNegative.optional() }).optional(),
  battery: z.strictObject({
    wh: nonNegative,
    charge_w: nonNegative,
    discharge_w: nonNegative,
    round_trip_efficiency: number("an efficiency", 0, 1, false),
    reserve_soc: fraction,
    initial_soc: fraction,
  }).optional(),
  grid: z.strictObject({
    /** The carbon trace of the site's grid; not needed off-grid. */
    zone: z.strictObject({ ...traceColumn, unit: oneOf(carbonUnits) }).optional(),
    connected: z.boolean({ error: "expected true or false" }).default(true),
    outages: z.array(windowSchema, { error: "expected a list of {from, to}" }).default([]),
  }),
  /** The site's column in the latency matrix. */
  latency_region: z.string({ error: "expected a column name of the latency matrix" }).optional(),
});

export const serviceSchema = z.strictObject({
  name,
  sites: z.array(name, { error: "expected a list of site names" }).min(1, { error: "expected at least one site" }),
  demand: z.strictObject({
    ...traceColumn,
    unit: oneOf(DEMAND_UNITS),
    peak_rps: positive.optional(),
    scale: positive.optional(),
  }),
  latency_slo_ms: positive.optional(),
});

export const regionSchema = z.strictObject({
  name: z.string({ error: "expected a name" }).min(1, { error: "expected a name" }),
  share: number("a share", 0, 1),
  /** The region's row in the latency matrix, or `latency_ms` inline. */
  latency_region: z.string({ error: "expected a row name of the latency matrix" }).optional(),
  latency_ms: z.record(z.string(), nonNegative, { error: "expected site name → ms" }).optional(),
});

const faultWindow = { site: name, from: runTime, to: runTime };
export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("site_outage"), ...faultWindow }),
  z.strictObject({ kind: z.literal("latency_spike"), ...faultWindow, added_ms: positive }),
  z.strictObject({ kind: z.literal("battery_fault"), ...faultWindow }),
], { error: "expected kind: site_outage, latency_spike or battery_fault" });

export const scenarioSchema = z.strictObject({
  name: z.string({ error: "expected a name" }).min(1, { error: "expected a name" }),
  step: duration,
  start: instant,
  days: positive,
  headroom: number("a fraction", 0, 0.95),
  traces: z.record(z.string(), traceSchema, { error: "expected trace name → {file, time, resample}" }),
  latency_matrix: z.strictObject({
    file: z.string({ error: "expected a file path" }),
    /** The column holding each row's origin name. */
    origin_column: z.string({ error: "expected a column name" }),
  }).optional(),
  sites: z.array(siteSchema, { error: "expected a list of sites" }).min(1, { error: "expected at least one site" }),
  services: z.array(serviceSchema, { error: "expected a list of services" }).min(1, { error: "expected at least one service" }),
  regions: z.array(regionSchema, { error: "expected a list of client regions" }).min(1, { error: "expected at least one client region" }),
  faults: z.array(faultSchema, { error: "expected a list of faults" }).default([]),
});

export type ScenarioFile = z.infer<typeof scenarioSchema>;
export type TraceEntry = z.infer<typeof traceSchema>;
export type SiteEntry = z.infer<typeof siteSchema>;
export type ServiceEntry = z.infer<typeof serviceSchema>;
export type RegionEntry = z.infer<typeof regionSchema>;
export type FaultEntry = z.infer<typeof faultSchema>;
