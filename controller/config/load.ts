// Loads the configuration: a YAML file, or the embedded defaults when there is none. Every
// problem is reported with the dotted path of the field at fault, or for YAML that does not
// parse, with its line and column: never with the file's text, which may hold a secret.
import { readFile } from "node:fs/promises";
import { parseDocument, type ErrorCode, type YAMLError } from "yaml";
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

/** Which planner makes the tables (plan/configured-planner.ts). */
export type PlannerKind = ConfigFile["planning"]["planner"];

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
  planning: {
    intervalMs: number;
    headroom: number;
    planner: PlannerKind;
    /** The predictive planner's horizon (5-minute steps) and solver time per cycle; the greedy planner ignores both. */
    horizonSteps: number;
    timeBudgetMs: number;
  };
  /** Token files by role (auth/credential-sources.ts reads them, with the environment). */
  auth: { readerTokensFile: string | null; writerTokensFile: string | null };
  sites: Site[];
  services: ServiceConfig[];
  sources: { prometheus: PrometheusSourceConfig[] };
  ledger: { enabled: boolean; dir: string; keysDir: string; origin: string };
}

/**
 * What each YAML problem is, in words of our own: the library's messages quote the text at fault
 * (a tag, an escape, an alias name) and its code frame quotes the whole line.
 */
const YAML_PROBLEMS: Record<ErrorCode, string> = {
  ALIAS_PROPS: "an alias cannot have a tag or an anchor",
  BAD_ALIAS: "a malformed alias or anchor",
  BAD_COLLECTION_TYPE: "a tag that does not fit its collection",
  BAD_DIRECTIVE: "a malformed directive",
  BAD_DQ_ESCAPE: "an invalid escape sequence in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_PROP_ORDER: "anchor and tag in the wrong order",
  BAD_SCALAR_START: "a plain value cannot start with this character",
  BLOCK_AS_IMPLICIT_KEY: "a block collection used as an implicit key",
  BLOCK_IN_FLOW: "a block collection inside a flow collection",
  DUPLICATE_KEY: "a key given twice in one mapping",
  IMPOSSIBLE: "an internal YAML parser error",
  KEY_OVER_1024_CHARS: "an implicit key longer than 1024 characters",
  MISSING_CHAR: "a missing character (a closing quote, bracket, brace, or a separator)",
  MULTILINE_IMPLICIT_KEY: "an implicit key that spans lines",
  MULTIPLE_ANCHORS: "more than one anchor on a node",
  MULTIPLE_DOCS: "more than one document",
  MULTIPLE_TAGS: "more than one tag on a node",
  NON_STRING_KEY: "a key that is not a string",
  RESOURCE_EXHAUSTION: "too many alias expansions",
  TAB_AS_INDENT: "a tab used as indentation",
  TAG_RESOLVE_FAILED: "an unknown tag",
  UNEXPECTED_TOKEN: "an unexpected token",
};

function yamlRefusal(source: string, problem: YAMLError): ControllerError {
  const at = problem.linePos?.[0];
  const where = at === undefined ? "" : ` at line ${at.line}, column ${at.col}`;
  return ControllerError.invalid(source, `not valid YAML${where}: ${YAML_PROBLEMS[problem.code] ?? "a YAML error"} (${problem.code})`);
}

/** The YAML text as plain data; warnings (an unknown tag, an ambiguous anchor) refuse it too. */
function parseYamlText(yamlText: string, source: string): Parsed<unknown> {
  // Warnings are read here, never printed (yaml's parse() would emit them, code frame and all).
  const doc = parseDocument(yamlText);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) return { error: yamlRefusal(source, problem) };
  try {
    return { value: doc.toJS() };
  } catch {
    // toJS fails only on aliases (undefined anchor, too many expansions); its message names the alias.
    return { error: ControllerError.invalid(source, "not valid YAML: an alias that names no anchor before it, or too many alias expansions") };
  }
}

export function parseConfig(yamlText: string, source = "configuration"): Parsed<ControllerConfig> {
  const yaml = parseYamlText(yamlText, source);
  if (yaml.error) return yaml;
  const raw = yaml.value;
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
  const source = path ?? "embedded defaults";
  const result = parseConfig(text, source);
  if (result.error) {
    // A YAML error is already named after the file.
    const message = result.error.field === source ? result.error.message : `${source}: ${result.error.message}`;
    throw new ControllerError(result.error.code, message, result.error.field);
  }
  return result.value;
}

function toDomain(c: ConfigFile): ControllerConfig {
  return {
    listen: c.listen,
    table: { ttlMs: c.table.ttl_ms, maxWaitMs: c.table.max_wait_ms },
    planning: {
      intervalMs: c.planning.interval_ms,
      headroom: c.planning.headroom,
      planner: c.planning.planner,
      horizonSteps: c.planning.horizon_steps,
      timeBudgetMs: c.planning.time_budget_ms,
    },
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
