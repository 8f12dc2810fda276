// Per-context host state. Which maps and buffers a host call can reach mirrors Envoy's
// Context: a stream's request headers are reachable only while on_request_headers runs or the
// request stays paused, in on_log they are read-only, and HTTP-call responses belong to the
// plugin (root) context for the duration of on_http_call_response.
import type { HeaderMap } from "./header-map.js";

export interface HttpCallResponse {
  headers: HeaderMap;
  body: Uint8Array;
  trailers: HeaderMap | null;
}

export class RootContext {
  readonly kind = "root";
  /** on_context_create ran for this context. */
  created = false;
  configured = false;
  /** Envoy's temp_plugin_: the plugin configuration is readable only while it is set. */
  pluginConfigVisible = false;
  tickPeriodMs = 0;
  nextTickNs = 0n;
  httpCallResponse: HttpCallResponse | null = null;
  statusCode = 0;
  statusMessage = "";
  /** on_done returned false: waiting for proxy_done. */
  pendingDone = false;
  deleted = false;

  constructor(
    readonly id: number,
    readonly pluginConfig: Uint8Array,
  ) {}
}

export class StreamContext {
  readonly kind = "stream";
  created = false;
  destroyed = false;
  accessLogPhase = false;
  endOfStream = false;

  requestHeaders: HeaderMap | null = null;
  requestTrailers: HeaderMap | null = null;
  responseHeaders: HeaderMap | null = null;
  responseTrailers: HeaderMap | null = null;
  requestBody: Uint8Array = new Uint8Array(0);
  responseBody: Uint8Array = new Uint8Array(0);

  // Envoy's request_headers_ etc.: non-null only while the plugin may touch them.
  requestHeadersLive = false;
  requestTrailersLive = false;
  requestBodyLive = false;
  responseHeadersLive = false;
  responseTrailersLive = false;
  responseBodyLive = false;
  bufferingRequestBody = false;
  bufferingResponseBody = false;

  /** A headers/body/trailers callback stopped iteration and no continue_stream came yet. */
  requestPaused = false;
  responsePaused = false;
  /** close_stream was called for the request or response. */
  reset = false;
  localResponse: LocalResponse | null = null;
  localResponseCount = 0;
  /** Filter state written with proxy_set_property, keyed by '\0'-joined path. */
  properties: Map<string, Uint8Array> | null = null;

  constructor(
    public id: number,
    public rootId: number,
  ) {}

  /** Back to a fresh stream, for reuse on the benchmark path. */
  reinit(id: number, rootId: number): void {
    this.id = id;
    this.rootId = rootId;
    this.created = false;
    this.destroyed = false;
    this.accessLogPhase = false;
    this.endOfStream = false;
    this.requestTrailers = null;
    this.responseHeaders = null;
    this.responseTrailers = null;
    this.requestHeadersLive = false;
    this.requestTrailersLive = false;
    this.requestBodyLive = false;
    this.responseHeadersLive = false;
    this.responseTrailersLive = false;
    this.responseBodyLive = false;
    this.bufferingRequestBody = false;
    this.bufferingResponseBody = false;
    this.requestPaused = false;
    this.responsePaused = false;
    this.reset = false;
    this.localResponse = null;
    this.localResponseCount = 0;
    this.properties = null;
  }
}

export type Context = RootContext | StreamContext;

export interface LocalResponse {
  contextId: number;
  statusCode: number;
  details: string;
  body: Uint8Array;
  bodyText: string;
  /** Additional headers, keys lowercased as Envoy does. */
  headers: Array<[string, string]>;
  /** The guest's gRPC status argument (-1 / 0xffffffff means none). */
  grpcStatus: number;
}

export interface StreamControl {
  contextId: number;
  op: "continue" | "close";
  streamType: number;
}

export interface LogEntry {
  level: number;
  levelName: string;
  message: string;
  contextId: number;
}

export interface HttpCallRecord {
  token: number;
  /** The plugin (root) context that owns the call and receives on_http_call_response. */
  rootContextId: number;
  /** The context the guest was running in when it made the call. */
  callerContextId: number;
  /** ABI 0.2.1's `upstream` argument: Envoy treats it as a cluster name. */
  cluster: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  trailers: Array<[string, string]>;
  timeoutMs: number;
}
