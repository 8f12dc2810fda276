// Numeric values of the proxy-wasm ABI 0.2.1 (spec `abi-versions/v0.2.1/README.md`, and the
// C++ SDK's proxy_wasm_common.h / proxy_wasm_enums.h that proxy-wasm-cpp-host compiles against).

/** `proxy_status_t`: what every host function returns to the guest. */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** `proxy_map_type_t`. */
export enum MapType {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}
export const MAP_TYPE_MAX = 7;

/** `proxy_buffer_type_t`. */
export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}
export const BUFFER_TYPE_MAX = 8;

/** `proxy_metric_type_t`. */
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}
export const METRIC_TYPE_MAX = 2;

/** `proxy_log_level_t`. */
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}
export const LOG_LEVEL_MAX = 5;

/** `proxy_stream_type_t`. */
export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}
export const STREAM_TYPE_MAX = 3;

/** `proxy_action_t`: what header/body/trailer callbacks return. */
export enum Action {
  Continue = 0,
  Pause = 1,
}

/** What the host does after a headers callback (the C++ SDK's FilterHeadersStatus). */
export enum FilterHeadersStatus {
  Continue = 0,
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** What the host does after a body callback. */
export enum FilterDataStatus {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

/** What the host does after a trailers callback. */
export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

/** `wasi_errno_t` values the host returns. */
export enum WasiErrno {
  Success = 0,
  Badf = 8,
  Fault = 21,
  Inval = 28,
  Nosys = 52,
  Notsup = 58,
}

export type AbiVersion = "0.2.0" | "0.2.1";

export function logLevelName(level: number): string {
  return LogLevel[level] ?? `level${level}`;
}
