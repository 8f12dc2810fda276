// The one module that touches the proxy-wasm SDK: thin wrappers over the raw ABI 0.2.1 host
// calls (the SDK's higher-level wrappers allocate and log per request, and its shared-data
// wrappers pass wrong arguments, so only its import declarations are used).
//
// Memory the host hands us (header values, shared data, configuration) is served by `malloc`
// from a bump arena that every callback resets on entry: the request path allocates nothing.
import * as abi from "@solo-io/proxy-runtime/assembly/imports";

export const enum LogLevel { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4, Critical = 5 }
export const enum MetricType { Counter = 0, Gauge = 1, Histogram = 2 }

const WASM_RESULT_OK: u32 = 0;
const MAP_REQUEST_HEADERS: i32 = 0;
const MAP_RESPONSE_HEADERS: i32 = 2;
const MAP_HTTP_CALL_RESPONSE_HEADERS: i32 = 6;
const BUFFER_HTTP_CALL_RESPONSE_BODY: i32 = 4;
const BUFFER_PLUGIN_CONFIGURATION: i32 = 7;

// ---- malloc arena -------------------------------------------------------------------------

const ARENA_SIZE: usize = 16384;
const arena = memory.data(<i32>ARENA_SIZE, 16);
let arenaUsed: usize = 0;
// Blocks too large for the arena (a big table, a long configuration): freed at the next reset.
// Rare, so a growable list is fine here.
const spills = new Array<usize>(0);

export function hostMalloc(size: usize): usize {
  const aligned = (size + 7) & ~(<usize>7);
  if (arenaUsed + aligned <= ARENA_SIZE) {
    const ptr = arena + arenaUsed;
    arenaUsed += aligned;
    return ptr;
  }
  const ptr = heap.alloc(size > 0 ? size : 1);
  spills.push(ptr);
  return ptr;
}

/** Called first by every callback: host memory from the previous callback is dead by then. */
@inline
export function resetArena(): void {
  arenaUsed = 0;
  if (spills.length > 0) releaseSpills();
}

function releaseSpills(): void {
  for (let i = 0; i < spills.length; i++) heap.free(unchecked(spills[i]));
  spills.length = 0;
}

// ---- return slots -------------------------------------------------------------------------

const slots = memory.data(24, 8);
const SLOT_PTR: usize = slots;
const SLOT_SIZE: usize = slots + 4;
const SLOT_CAS: usize = slots + 8;
const SLOT_U64: usize = slots + 16;

/** Where the last successful get put its value; valid until the current callback returns. */
export let valuePtr: usize = 0;
export let valueLen: i32 = 0;
export let valueCas: u32 = 0;

/** A string converted once to the UTF-8 bytes the host expects. */
export class HostBytes {
  readonly buffer: ArrayBuffer;
  readonly ptr: usize;
  readonly len: i32;

  constructor(text: string) {
    this.buffer = String.UTF8.encode(text);
    this.ptr = changetype<usize>(this.buffer);
    this.len = this.buffer.byteLength;
  }
}

// ---- request headers (hot path) -----------------------------------------------------------

@inline
export function getRequestHeader(name: HostBytes): bool {
  if (abi.proxy_get_header_map_value(MAP_REQUEST_HEADERS, name.ptr, name.len, SLOT_PTR, SLOT_SIZE) != WASM_RESULT_OK) {
    return false;
  }
  valuePtr = <usize>load<u32>(SLOT_PTR);
  valueLen = <i32>load<u32>(SLOT_SIZE);
  return true;
}

@inline
export function replaceRequestHeader(name: HostBytes, ptr: usize, len: i32): void {
  abi.proxy_replace_header_map_value(MAP_REQUEST_HEADERS, name.ptr, name.len, ptr, len);
}

@inline
export function removeRequestHeader(name: HostBytes): void {
  abi.proxy_remove_header_map_value(MAP_REQUEST_HEADERS, name.ptr, name.len);
}

// ---- response headers (per response, when reports observe responses) ----------------------

/** Reads a response header into `valuePtr`/`valueLen`; false when absent. */
@inline
export function getResponseHeader(name: HostBytes): bool {
  if (abi.proxy_get_header_map_value(MAP_RESPONSE_HEADERS, name.ptr, name.len, SLOT_PTR, SLOT_SIZE) != WASM_RESULT_OK) {
    return false;
  }
  valuePtr = <usize>load<u32>(SLOT_PTR);
  valueLen = <i32>load<u32>(SLOT_SIZE);
  return true;
}

// ---- root context: configuration, ticks, shared data, metrics, logs ------------------------

export function pluginConfiguration(size: u32): string {
  if (size == 0) return "";
  if (abi.proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, size, SLOT_PTR, SLOT_SIZE) != WASM_RESULT_OK) return "";
  return String.UTF8.decodeUnsafe(<usize>load<u32>(SLOT_PTR), <usize>load<u32>(SLOT_SIZE));
}

/** Reads shared data into `valuePtr`/`valueLen`/`valueCas`; false when the key is absent. */
export function getSharedData(key: HostBytes): bool {
  if (abi.proxy_get_shared_data(key.ptr, key.len, SLOT_PTR, SLOT_SIZE, SLOT_CAS) != WASM_RESULT_OK) return false;
  valuePtr = <usize>load<u32>(SLOT_PTR);
  valueLen = <i32>load<u32>(SLOT_SIZE);
  valueCas = load<u32>(SLOT_CAS);
  return true;
}

/**
 * Writes shared data if `cas` equals the stored value's CAS; a `cas` of 0 writes unconditionally
 * (the host's rule, so only a value read first can be replaced safely). False on a CAS mismatch.
 */
export function setSharedData(key: HostBytes, ptr: usize, len: i32, cas: u32): bool {
  return abi.proxy_set_shared_data(key.ptr, key.len, ptr, <usize>len, cas) == WASM_RESULT_OK;
}

export function setTickPeriod(ms: u32): void {
  abi.proxy_set_tick_period_milliseconds(ms);
}

export function nowNanos(): u64 {
  abi.proxy_get_current_time_nanoseconds(SLOT_U64);
  return load<u64>(SLOT_U64);
}

export function log(level: LogLevel, message: string): void {
  const bytes = String.UTF8.encode("solar-router: " + message);
  abi.proxy_log(<usize>level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

/** Envoy's metric ids start at 0, so a failed definition gets an id no host hands out. */
export const NO_METRIC: u32 = u32.MAX_VALUE;

export function defineMetric(type: MetricType, name: string): u32 {
  const bytes = String.UTF8.encode(name);
  if (abi.proxy_define_metric(<i32>type, changetype<usize>(bytes), <usize>bytes.byteLength, SLOT_PTR) != WASM_RESULT_OK) {
    return NO_METRIC;
  }
  return load<u32>(SLOT_PTR);
}

export function incrementMetric(id: u32, by: i64): void {
  abi.proxy_increment_metric(id, by);
}

export function recordMetric(id: u32, value: u64): void {
  abi.proxy_record_metric(id, value);
}

// ---- root context: HTTP calls --------------------------------------------------------------

/** Token of the call the last successful `httpCall` dispatched. */
export let callToken: u32 = 0;

/**
 * Dispatches an HTTP call to an Envoy cluster, without trailers; the host copies the `bodyLen`
 * bytes at `bodyPtr` (none by default). `headers` holds the pairs serialized in the ABI's format
 * (delivery/request.ts). False when the host refuses it (e.g. an unknown cluster); the answer
 * comes to proxy_on_http_call_response otherwise.
 */
export function httpCall(cluster: HostBytes, headers: ArrayBuffer, timeoutMs: u32, bodyPtr: usize = 0, bodyLen: i32 = 0): bool {
  const result = abi.proxy_http_call(
    cluster.ptr, cluster.len, changetype<usize>(headers), <usize>headers.byteLength, bodyPtr, <usize>bodyLen, 0, 0,
    timeoutMs, SLOT_PTR,
  );
  if (result != WASM_RESULT_OK) return false;
  callToken = load<u32>(SLOT_PTR);
  return true;
}

/** Reads a header of the HTTP-call response being delivered into `valuePtr`/`valueLen`. */
export function getHttpCallResponseHeader(name: HostBytes): bool {
  if (abi.proxy_get_header_map_value(MAP_HTTP_CALL_RESPONSE_HEADERS, name.ptr, name.len, SLOT_PTR, SLOT_SIZE) != WASM_RESULT_OK) {
    return false;
  }
  valuePtr = <usize>load<u32>(SLOT_PTR);
  valueLen = <i32>load<u32>(SLOT_SIZE);
  return true;
}

/** Reads the body of the HTTP-call response being delivered into `valuePtr`/`valueLen`. */
export function getHttpCallResponseBody(size: u32): bool {
  if (abi.proxy_get_buffer_bytes(BUFFER_HTTP_CALL_RESPONSE_BODY, 0, size, SLOT_PTR, SLOT_SIZE) != WASM_RESULT_OK) return false;
  valuePtr = <usize>load<u32>(SLOT_PTR);
  valueLen = <i32>load<u32>(SLOT_SIZE);
  return true;
}
