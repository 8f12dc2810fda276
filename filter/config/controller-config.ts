// The plugin configuration's optional `controller` object: where the lease holder fetches weight
// tables from and how. Validated with the rest of the configuration; errors name the field as
// `controller.<name>`. Field reference: README.md, "Filter configuration".
import { JsonKind, JsonValue } from "./json";
import { fieldError, isInteger, isVisibleAscii, secretFieldError } from "./fields";

export const DEFAULT_PATH = "/v1/table";
export const DEFAULT_TIMEOUT_MS: u32 = 30000;
export const DEFAULT_WAIT_MS: u32 = 20000;
/** lease_ms when not given, in ticks: a holder renews every tick, so two missed ticks are tolerated. */
export const DEFAULT_LEASE_TICKS: u32 = 3;
/** Below two ticks a healthy holder's lease could lapse between two renewals. */
export const MIN_LEASE_TICKS: u32 = 2;
const MAX_TIMEOUT_MS: f64 = 600000;
const MAX_WAIT_MS: f64 = 300000;
const MAX_LEASE_MS: f64 = 3600000;

export class ControllerConfig {
  /** Envoy cluster the HTTP calls go to. */
  cluster: string = "";
  /** `:authority` of the calls; the cluster name unless given. */
  authority: string = "";
  /** Path of the table resource; `?wait_ms=` is appended. */
  path: string = DEFAULT_PATH;
  timeoutMs: u32 = DEFAULT_TIMEOUT_MS;
  /** How long the controller may hold a poll open; 0 asks for an immediate answer. */
  waitMs: u32 = DEFAULT_WAIT_MS;
  leaseMs: u32 = 0;
  /** Sent as `authorization: Bearer <token>`; "" for none. */
  token: string = "";
}

export class ControllerResult {
  constructor(public config: ControllerConfig | null, public error: string) {}
}

const FIELDS: StaticArray<string> = ["cluster", "authority", "path", "timeout_ms", "wait_ms", "lease_ms", "token"];

/** Parses the `controller` object; `tickMs` is the validated tick period, for the lease bounds. */
export function parseControllerConfig(v: JsonValue, tickMs: u32): ControllerResult {
  if (v.kind != JsonKind.Object) return failed(fieldError("controller", "an object with at least 'cluster'", v));
  const config = new ControllerConfig();
  let timeoutGiven = false;
  let leaseGiven = false;
  for (let i = 0; i < v.keys.length; i++) {
    const name = unchecked(v.keys[i]);
    if (!FIELDS.includes(name)) {
      return failed("field 'controller." + name + "': expected no such field (known: " + FIELDS.join(", ") + ")");
    }
    if (name == "timeout_ms") timeoutGiven = true;
    if (name == "lease_ms") leaseGiven = true;
    const error = apply(config, name, unchecked(v.items[i]));
    if (error.length > 0) return failed(error);
  }
  if (config.cluster.length == 0) return failed("field 'controller.cluster': expected an Envoy cluster name, got nothing");
  if (config.authority.length == 0) config.authority = config.cluster;
  if (config.timeoutMs <= config.waitMs) {
    return failed("field 'controller.timeout_ms': expected more than wait_ms (" + config.waitMs.toString() + "), got " +
      config.timeoutMs.toString() + (timeoutGiven ? "" : " (the default)"));
  }
  if (!leaseGiven) config.leaseMs = DEFAULT_LEASE_TICKS * tickMs;
  if (config.leaseMs < MIN_LEASE_TICKS * tickMs) {
    return failed("field 'controller.lease_ms': expected at least twice tick_ms (" + (MIN_LEASE_TICKS * tickMs).toString() +
      "), got " + config.leaseMs.toString());
  }
  return new ControllerResult(config, "");
}

function apply(config: ControllerConfig, name: string, v: JsonValue): string {
  const field = "controller." + name;
  if (name == "cluster") {
    if (!isVisibleAscii(v, 1, 256)) return fieldError(field, "an Envoy cluster name (1 to 256 visible ASCII characters)", v);
    config.cluster = v.str;
  } else if (name == "authority") {
    if (!isVisibleAscii(v, 1, 256)) return fieldError(field, "a host name (1 to 256 visible ASCII characters)", v);
    config.authority = v.str;
  } else if (name == "path") {
    if (!isPath(v)) return fieldError(field, "a path starting with '/', without '?' or '#' (1 to 1024 visible ASCII characters)", v);
    config.path = v.str;
  } else if (name == "timeout_ms") {
    if (!isInteger(v, 1, MAX_TIMEOUT_MS)) return fieldError(field, "an integer from 1 to 600000", v);
    config.timeoutMs = <u32>v.number;
  } else if (name == "wait_ms") {
    if (!isInteger(v, 0, MAX_WAIT_MS)) return fieldError(field, "an integer from 0 to 300000", v);
    config.waitMs = <u32>v.number;
  } else if (name == "lease_ms") {
    if (!isInteger(v, 1, MAX_LEASE_MS)) return fieldError(field, "an integer from 1 to 3600000", v);
    config.leaseMs = <u32>v.number;
  } else if (name == "token") {
    if (!isVisibleAscii(v, 1, 4096)) return secretFieldError(field, "a bearer token (1 to 4096 visible ASCII characters)", v);
    config.token = v.str;
  }
  return "";
}

function isPath(v: JsonValue): bool {
  if (!isVisibleAscii(v, 1, 1024) || v.str.charCodeAt(0) != 0x2f) return false;
  return !v.str.includes("?") && !v.str.includes("#");
}

function failed(error: string): ControllerResult {
  return new ControllerResult(null, error);
}
