// The plugin configuration (Istio `pluginConfig`, Envoy `configuration`): parsed and validated
// once, at configure time. Anything wrong refuses the whole configuration with one message that
// names the field and what it expects. Field reference: README.md, "Filter configuration".
import { decodeBase64 } from "./base64";
import { ControllerConfig, parseControllerConfig } from "./controller-config";
import { fieldError, isInteger } from "./fields";
import { JsonKind, JsonValue, parseJson } from "./json";
import { ReportConfig, parseReportConfig } from "./report-config";

export class PluginConfig {
  /** Request header the chosen upstream is written to; routes match on it. */
  upstreamHeader: string = "x-solar-upstream";
  /** Header carrying the service key; ":authority" means the request host without its port. */
  serviceHeader: string = ":authority";
  /** Header whose value pins a client to an upstream (rendezvous hashing); "" turns it off. */
  stickyHeader: string = "";
  /** Table used until a newer one arrives through shared data; for setups without a controller. */
  staticTable: Uint8Array | null = null;
  sharedDataKey: string = "solar_router.table";
  // Bounds how long a new table waits in shared data before a worker that is not the poller adopts it.
  tickMs: u32 = 200;
  /** Stop routing by a table once it is past issued_at + ttl (+ grace). */
  enforceTtl: bool = true;
  ttlGraceMs: u32 = 0;
  /** Decide and count, but do not write the header. */
  shadow: bool = false;
  /** Remove a client-sent routing header when the filter does not decide, so it cannot steer. */
  stripInboundHeader: bool = true;
  /** Where the lease holder fetches tables; null: tables arrive only through shared data. */
  controller: ControllerConfig | null = null;
  /** Reports of what this worker routed, sent to the controller; null: none. */
  report: ReportConfig | null = null;
}

export class ConfigResult {
  constructor(public config: PluginConfig | null, public error: string) {}
}

const FIELDS: StaticArray<string> = [
  "upstream_header", "service_header", "sticky_header", "static_table", "shared_data_key",
  "tick_ms", "enforce_ttl", "ttl_grace_ms", "shadow", "strip_inbound_header", "controller",
  "report",
];

export function parsePluginConfig(text: string): ConfigResult {
  const config = new PluginConfig();
  if (isBlank(text)) return new ConfigResult(config, "");
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) return refuse("(root)", "valid JSON: " + parsed.error);
  if (root.kind != JsonKind.Object) return refuse("(root)", "a JSON object");
  let controller: JsonValue | null = null;
  let report: JsonValue | null = null;
  for (let i = 0; i < root.keys.length; i++) {
    const name = unchecked(root.keys[i]);
    if (!FIELDS.includes(name)) return refuse(name, "no such field (known: " + FIELDS.join(", ") + ")");
    // Their bounds depend on tick_ms (and report on controller), which may come later.
    if (name == "controller") {
      controller = unchecked(root.items[i]);
      continue;
    }
    if (name == "report") {
      report = unchecked(root.items[i]);
      continue;
    }
    const error = apply(config, name, unchecked(root.items[i]));
    if (error.length > 0) return new ConfigResult(null, error);
  }
  if (controller !== null) {
    const parsed = parseControllerConfig(controller, config.tickMs);
    if (parsed.config === null) return new ConfigResult(null, parsed.error);
    config.controller = parsed.config;
  }
  if (report !== null) {
    const parsed = parseReportConfig(report, config.tickMs, config.controller !== null);
    if (parsed.config === null) return new ConfigResult(null, parsed.error);
    config.report = parsed.config;
  }
  if (config.stickyHeader.length > 0 && config.stickyHeader == config.upstreamHeader) {
    return refuse("sticky_header", "a header other than upstream_header");
  }
  if (config.serviceHeader == config.upstreamHeader) return refuse("service_header", "a header other than upstream_header");
  return new ConfigResult(config, "");
}

function apply(config: PluginConfig, name: string, v: JsonValue): string {
  if (name == "upstream_header") {
    if (!isHeaderName(v)) return fieldError(name, "a lower-case HTTP header name", v);
    config.upstreamHeader = v.str;
  } else if (name == "service_header") {
    if (!(isHeaderName(v) || (v.kind == JsonKind.String && v.str == ":authority"))) {
      return fieldError(name, "a lower-case HTTP header name or \":authority\"", v);
    }
    config.serviceHeader = v.str;
  } else if (name == "sticky_header") {
    if (!(isHeaderName(v) || (v.kind == JsonKind.String && v.str.length == 0))) {
      return fieldError(name, "a lower-case HTTP header name, or \"\" for none", v);
    }
    config.stickyHeader = v.str;
  } else if (name == "static_table") {
    const bytes = v.kind == JsonKind.String && v.str.length > 0 ? decodeBase64(v.str) : null;
    if (bytes === null) return fieldError(name, "a weight table in standard base64", v);
    config.staticTable = bytes;
  } else if (name == "shared_data_key") {
    if (v.kind != JsonKind.String || v.str.length < 1 || v.str.length > 256) return fieldError(name, "a string of 1 to 256 characters", v);
    config.sharedDataKey = v.str;
  } else if (name == "tick_ms") {
    if (!isInteger(v, 50, 60000)) return fieldError(name, "an integer from 50 to 60000", v);
    config.tickMs = <u32>v.number;
  } else if (name == "ttl_grace_ms") {
    if (!isInteger(v, 0, 86400000)) return fieldError(name, "an integer from 0 to 86400000", v);
    config.ttlGraceMs = <u32>v.number;
  } else if (name == "enforce_ttl" || name == "shadow" || name == "strip_inbound_header") {
    if (v.kind != JsonKind.Bool) return fieldError(name, "true or false", v);
    if (name == "enforce_ttl") config.enforceTtl = v.bool;
    else if (name == "shadow") config.shadow = v.bool;
    else config.stripInboundHeader = v.bool;
  }
  return "";
}

function refuse(field: string, expected: string): ConfigResult {
  return new ConfigResult(null, "field '" + field + "': expected " + expected);
}

// RFC 9110 token characters, lower case only: Envoy stores header names in lower case.
function isHeaderName(v: JsonValue): bool {
  if (v.kind != JsonKind.String || v.str.length < 1 || v.str.length > 256) return false;
  for (let i = 0; i < v.str.length; i++) {
    const c = v.str.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e ||
      c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a || c == 0x2b ||
      c == 0x5e || c == 0x60 || c == 0x7c || c == 0x7e;
    if (!ok) return false;
  }
  return true;
}

function isBlank(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return false;
  }
  return true;
}
