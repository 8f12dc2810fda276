// The controller's configuration file (YAML), as a schema: parsed and validated once at start.
// Field names are snake_case in the file; config/load.ts maps them to the domain types.
import { z } from "zod";
import { parseSelector } from "../ingest/prometheus/selector.js";

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UPSTREAM = /^[A-Za-z0-9._~-]{1,64}$/;
const SERVICE_KEY = /^[\x21-\x40\x5b-\x7e]{1,253}$/; // visible ASCII, no upper case (table format)
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const INLINE_TOKEN_REFUSED = "no longer supported: credentials come from auth.reader_tokens_file / auth.writer_tokens_file " +
  "or SOLAR_READER_TOKENS / SOLAR_WRITER_TOKENS, never inline";

export const listenAddress = z.string().regex(HOST_PORT, "expected host:port, e.g. 127.0.0.1:8080");

export const siteSchema = z.object({
  name: z.string().regex(NAME, "expected a DNS label: lower-case letters, digits and '-'"),
  capacity_rps: z.number().positive(),
  pv_peak_watts: z.number().nonnegative(),
  battery_wh: z.number().nonnegative().default(0),
  /** Marginal power drawn per request/s served at this site. */
  watts_per_rps: z.number().positive(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).strict(),
  /** Grid carbon intensity until a reading says otherwise, gCO2/kWh. */
  grid_carbon_g_per_kwh: z.number().nonnegative().default(400),
}).strict();

export const serviceSchema = z.object({
  key: z.string().regex(SERVICE_KEY, "expected the request host (lower case, no port)"),
  /** Expected demand until telemetry says otherwise, requests/s. */
  demand_rps: z.number().nonnegative().default(100),
  /** Site name → the upstream name the routes match for this service at that site. */
  upstreams: z.record(z.string(), z.string().regex(UPSTREAM, "expected 1-64 of [A-Za-z0-9._~-]")),
}).strict();

/** A selector (exporter) or a PromQL query (api) for one reading field; units as named. */
const query = z.string().min(1).max(4_096);

export const prometheusSourceSchema = z.object({
  name: z.string().regex(NAME, "expected a DNS label: lower-case letters, digits and '-'"),
  /** exporter: `url` serves /metrics (text format 0.0.4); api: `url` is a Prometheus server. */
  kind: z.enum(["exporter", "api"]),
  url: z.string().refine(isPlainHttpUrl, "expected an http(s) URL without credentials"),
  interval_ms: z.number().int().min(1_000).max(3_600_000).default(15_000),
  timeout_ms: z.number().int().min(100).max(120_000).default(5_000),
  site: z.string(),
  readings: z.object({
    pv_watts: query.optional(), // W
    battery_soc_percent: query.optional(), // % (0..100)
    battery_capacity_wh: query.optional(), // Wh
    grid_carbon_g_per_kwh: query.optional(), // gCO2/kWh
    power_draw_watts: query.optional(), // W drawn by the site's servers
  }).strict(),
  /** Field → factor the raw value is multiplied by, e.g. 1000 for an exporter that reports kW. */
  scale: z.record(z.string(), z.number().positive().finite()).default({}),
}).strict();

export const configSchema = z.object({
  listen: z.object({
    http: listenAddress.default("127.0.0.1:8080"),
    grpc: listenAddress.default("127.0.0.1:9090"),
  }).strict().prefault({}),
  table: z.object({
    ttl_ms: z.number().int().min(1_000).max(86_400_000).default(60_000),
    /** Longest a table request may be held open waiting for a newer version. */
    max_wait_ms: z.number().int().min(0).max(120_000).default(30_000),
  }).strict().prefault({}),
  planning: z.object({
    interval_ms: z.number().int().min(100).max(3_600_000).default(5_000),
    headroom: z.number().min(0).max(0.9).default(0.2),
    /** predictive: a linear program over the horizon (HiGHS), the greedy plan as fallback; greedy: one step at a time. */
    planner: z.enum(["predictive", "greedy"]).default("predictive"),
    /** The predictive planner's look-ahead in 5-minute steps, now included; forecasts are read this far. */
    horizon_steps: z.number().int().min(1).max(288).default(24),
    /** Solver time per cycle; a solve that runs out answers with the greedy plan (a counted fallback). */
    time_budget_ms: z.number().int().min(1).max(10_000).default(50),
  }).strict().prefault({}),
  /** Replaced by `auth`; refused with a message that says so, rather than as an unknown key. */
  token: z.undefined({ error: INLINE_TOKEN_REFUSED }).optional(),
  /** Files holding bearer tokens, one per line (e.g. a mounted Secret); merged with SOLAR_*_TOKENS. */
  auth: z.object({
    reader_tokens_file: z.string().min(1).optional(),
    writer_tokens_file: z.string().min(1).optional(),
  }).strict().prefault({}),
  sites: z.array(siteSchema).min(1),
  services: z.array(serviceSchema).min(1),
  sources: z.object({
    prometheus: z.array(prometheusSourceSchema).default([]),
  }).strict().prefault({}),
  /** The decision log: where its tiles and its keys live, and the name it signs checkpoints as. */
  ledger: z.object({
    enabled: z.boolean().default(true),
    dir: z.string().min(1).default("data/ledger"),
    keys_dir: z.string().min(1).default("data/ledger-keys"),
    origin: z.string().regex(/^[\x21-\x7e]{1,255}$/, "expected 1-255 visible ASCII characters, no spaces").default("solar-router.local/ledger"),
  }).strict().prefault({}),
}).strict().superRefine((config, ctx) => {
  const sites = new Set<string>();
  config.sites.forEach((site, i) => {
    if (sites.has(site.name)) ctx.addIssue({ code: "custom", path: ["sites", i, "name"], message: `duplicate site '${site.name}'` });
    sites.add(site.name);
  });
  const keys = new Set<string>();
  config.services.forEach((service, i) => {
    if (keys.has(service.key)) ctx.addIssue({ code: "custom", path: ["services", i, "key"], message: `duplicate service '${service.key}'` });
    keys.add(service.key);
    const names = Object.keys(service.upstreams);
    if (names.length === 0) ctx.addIssue({ code: "custom", path: ["services", i, "upstreams"], message: "expected at least one site" });
    for (const site of names) {
      if (!sites.has(site)) {
        ctx.addIssue({ code: "custom", path: ["services", i, "upstreams", site], message: `unknown site '${site}' (known: ${[...sites].join(", ")})` });
      }
    }
  });
  if (config.planning.time_budget_ms >= config.planning.interval_ms) {
    ctx.addIssue({ code: "custom", path: ["planning", "time_budget_ms"], message: "expected less than planning.interval_ms, so a solve ends before the next cycle" });
  }
  checkSources(config.sources.prometheus, sites, ctx);
});

function checkSources(sources: Array<z.infer<typeof prometheusSourceSchema>>, sites: Set<string>, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  sources.forEach((source, i) => {
    const at = ["sources", "prometheus", i];
    if (names.has(source.name)) ctx.addIssue({ code: "custom", path: [...at, "name"], message: `duplicate source '${source.name}'` });
    names.add(source.name);
    if (!sites.has(source.site)) {
      ctx.addIssue({ code: "custom", path: [...at, "site"], message: `unknown site '${source.site}' (known: ${[...sites].join(", ")})` });
    }
    if (source.timeout_ms > source.interval_ms) {
      ctx.addIssue({ code: "custom", path: [...at, "timeout_ms"], message: "expected at most interval_ms, so scrapes cannot pile up" });
    }
    const fields = Object.entries(source.readings).filter(([, text]) => text !== undefined);
    if (fields.length === 0) ctx.addIssue({ code: "custom", path: [...at, "readings"], message: "expected at least one field" });
    for (const [field, text] of fields) {
      if (source.kind !== "exporter") continue;
      const parsed = parseSelector(text!, field);
      if (parsed.error) ctx.addIssue({ code: "custom", path: [...at, "readings", field], message: parsed.error.message.replace(`${field}: `, "") });
    }
    const present = new Set(fields.map(([field]) => field));
    for (const field of Object.keys(source.scale)) {
      if (!present.has(field)) {
        ctx.addIssue({ code: "custom", path: [...at, "scale", field], message: `no reading '${field}' to scale` });
      }
    }
  });
}

function isPlainHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
}

export type ConfigFile = z.infer<typeof configSchema>;
