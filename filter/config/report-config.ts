// The plugin configuration's optional `report` object: how often each worker sends its counts to
// the controller (docs/reports.md). Reports go to the `controller` object's cluster, authority and
// token, so `report` needs `controller`. Errors name the field as `report.<name>`.
import { JsonKind, JsonValue } from "./json";
import { fieldError, isInteger, isVisibleAscii } from "./fields";

export const DEFAULT_REPORT_PATH = "/v1/reports";
export const DEFAULT_INTERVAL_MS: u32 = 10000;
const MIN_INTERVAL_MS: f64 = 1000;
const MAX_INTERVAL_MS: f64 = 600000;

export class ReportConfig {
  intervalMs: u32 = DEFAULT_INTERVAL_MS;
  /** Path the reports are POSTed to, sent as is. */
  path: string = DEFAULT_REPORT_PATH;
  /** Observe response status and latency (one more VM callback's work and three host calls per request). */
  responses: bool = true;
}

export class ReportResult {
  constructor(public config: ReportConfig | null, public error: string) {}
}

const FIELDS: StaticArray<string> = ["interval_ms", "path", "responses"];

/** Parses the `report` object; `tickMs` is the validated tick period, which bounds the interval. */
export function parseReportConfig(v: JsonValue, tickMs: u32, hasController: bool): ReportResult {
  if (v.kind != JsonKind.Object) return failed(fieldError("report", "an object", v));
  if (!hasController) {
    return failed("field 'report': expected a 'controller' object too (reports go to the controller's cluster)");
  }
  const config = new ReportConfig();
  for (let i = 0; i < v.keys.length; i++) {
    const name = unchecked(v.keys[i]);
    if (!FIELDS.includes(name)) {
      return failed("field 'report." + name + "': expected no such field (known: " + FIELDS.join(", ") + ")");
    }
    const error = apply(config, name, unchecked(v.items[i]));
    if (error.length > 0) return failed(error);
  }
  // Reports leave on ticks: a shorter interval would silently mean one per tick.
  if (config.intervalMs < tickMs) {
    return failed("field 'report.interval_ms': expected at least tick_ms (" + tickMs.toString() + "), got " +
      config.intervalMs.toString());
  }
  return new ReportResult(config, "");
}

function apply(config: ReportConfig, name: string, v: JsonValue): string {
  const field = "report." + name;
  if (name == "interval_ms") {
    if (!isInteger(v, MIN_INTERVAL_MS, MAX_INTERVAL_MS)) return fieldError(field, "an integer from 1000 to 600000", v);
    config.intervalMs = <u32>v.number;
  } else if (name == "path") {
    if (!isVisibleAscii(v, 1, 1024) || v.str.charCodeAt(0) != 0x2f || v.str.includes("#")) {
      return fieldError(field, "a path starting with '/', without '#' (1 to 1024 visible ASCII characters)", v);
    }
    config.path = v.str;
  } else if (name == "responses") {
    if (v.kind != JsonKind.Bool) return fieldError(field, "true or false", v);
    config.responses = v.bool;
  }
  return "";
}

function failed(error: string): ReportResult {
  return new ReportResult(null, error);
}
