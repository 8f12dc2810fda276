// Loads the configuration: a YAML file, or the embedded defaults when there is none. Every
// problem is reported with the dotted path of the field at fault.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { ControllerError, type Parsed } from "../errors/controller-error.js";
import { DEFAULT_CONFIG_YAML } from "./defaults.js";
import { configSchema, type ConfigFile } from "./schema.js";

export interface Site {
  name: string;
  capacityRps: number;
  pvPeakWatts: number;
  batteryWh: number;
  wattsPerRps: number;
  location: { lat: number; lon: number };
  gridCarbon: number;
}

export interface ServiceConfig {
  key: string;
  demandRps: number;
  /** Site name → upstream name. */
  upstreams: Record<string, string>;
}

/** A reading field a source can fill; named as on the wire (W, %, Wh, gCO2/kWh, W). */
export type SourceField = keyof ConfigFile["sources"]["prometheus"][number]["readings"];

export interface PrometheusSourceConfig {
  name: string;
  kind: "exporter" | "api";
  url: string;
  intervalMs: number;
  timeoutMs: number;
  site: string;
  /** Field → selector (exporter) or PromQL query (api). */
  readings: Partial<Record<SourceField, string>>;
  /** Field → factor applied to the raw value. */
  scale: Partial<Record<SourceField, number>>;
}

export interface ControllerConfig {
  listen: { http: string; grpc: string };
  table: { ttlMs: number; maxWaitMs: number };
  planning: { intervalMs: number; headroom: number };
  /** Token files by role (auth/credential-sources.ts reads them, with the environment). */
  auth: { readerTokensFile: string | null; writerTokensFile: string | null };
  sites: Site[];
  services: ServiceConfig[];
  sources: { prometheus: PrometheusSourceConfig[] };
  ledger: { enabled: boolean; dir: string; keysDir: string; origin: string };
}

export function parseConfig(yamlText: string, source = "configuration"): Parsed<ControllerConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (e) {
    return { error: ControllerError.invalid(source, `not valid YAML: ${(e as Error).message}`) };
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    return { error: ControllerError.invalid(field, `${issue.message}${more}`) };
  }
  return { value: toDomain(parsed.data) };
}

/** Reads `path`, or the embedded defaults when `path` is undefined. */
export async function loadConfig(path: string | undefined): Promise<ControllerConfig> {
  const text = path === undefined ? DEFAULT_CONFIG_YAML : await readFile(path, "utf8");
  const result = parseConfig(text, path ?? "embedded defaults");
  if (result.error) throw new ControllerError(result.error.code, `${path ?? "embedded defaults"}: ${result.error.message}`, result.error.field);
  return result.value;
}

function toDomain(c: ConfigFile): ControllerConfig {
  return {
    listen: c.listen,
    table: { ttlMs: c.table.ttl_ms, maxWaitMs: c.table.max_wait_ms },
    planning: { intervalMs: c.planning.interval_ms, headroom: c.planning.headroom },
    auth: { readerTokensFile: c.auth.reader_tokens_file ?? null, writerTokensFile: c.auth.writer_tokens_file ?? null },
    sites: c.sites.map((s) => ({
      name: s.name,
      capacityRps: s.capacity_rps,
      pvPeakWatts: s.pv_peak_watts,
      batteryWh: s.battery_wh,
      wattsPerRps: s.watts_per_rps,
      location: s.location,
      gridCarbon: s.grid_carbon_g_per_kwh,
    })),
    services: c.services.map((s) => ({ key: s.key, demandRps: s.demand_rps, upstreams: s.upstreams })),
    ledger: { enabled: c.ledger.enabled, dir: c.ledger.dir, keysDir: c.ledger.keys_dir, origin: c.ledger.origin },
    sources: {
      prometheus: c.sources.prometheus.map((p) => ({
        name: p.name,
        kind: p.kind,
        url: p.url,
        intervalMs: p.interval_ms,
        timeoutMs: p.timeout_ms,
        site: p.site,
        readings: Object.fromEntries(Object.entries(p.readings).filter(([, q]) => q !== undefined)),
        scale: p.scale,
      })),
    },
  };
}
