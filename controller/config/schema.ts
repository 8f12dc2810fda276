// The controller's configuration file (YAML), as a schema: parsed and validated once at start.
// Field names are snake_case in the file; config/load.ts maps them to the domain types.
import { z } from "zod";

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UPSTREAM = /^[A-Za-z0-9._~-]{1,64}$/;
const SERVICE_KEY = /^[\x21-\x40\x5b-\x7e]{1,253}$/; // visible ASCII, no upper case (table format)
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const listenAddress = z.string().regex(HOST_PORT, "expected host:port, e.g. 127.0.0.1:8080");

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
  }).strict().prefault({}),
  /** Bearer token filters must send with reports and table requests; unset = no check. */
  token: z.string().min(16).optional(),
  sites: z.array(siteSchema).min(1),
  services: z.array(serviceSchema).min(1),
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
});

export type ConfigFile = z.infer<typeof configSchema>;
