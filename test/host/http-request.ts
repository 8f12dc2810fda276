// A whole HTTP stream in one call: request headers, body and trailers, then (if given and the
// request went upstream) the response, then stream end. A phase the filter stops waits for
// proxy_continue_stream; `onPause` is where a test answers the filter's HTTP calls.
import type { FilterHeadersStatus } from "./abi.js";
import type { LocalResponse } from "./context.js";
import type { HeaderInput } from "./header-map.js";
import type { HttpStream } from "./http-stream.js";

export interface HttpRequestSpec {
  requestHeaders: HeaderInput;
  requestBody?: string | Uint8Array;
  requestTrailers?: HeaderInput;
  /** Without response headers no response callbacks run. */
  responseHeaders?: HeaderInput;
  responseBody?: string | Uint8Array;
  responseTrailers?: HeaderInput;
  /**
   * Called when a callback stopped the stream without answering locally. The stream goes on
   * only if the filter resumed it (proxy_continue_stream) by the time this returns.
   */
  onPause?: (stream: HttpStream, phase: "request" | "response") => void;
  /** Leave the stream open: no proxy_on_log / proxy_on_done / proxy_on_delete yet. */
  keepOpen?: boolean;
}

export interface HttpRequestResult {
  stream: HttpStream;
  contextId: number;
  /** What proxy_on_request_headers returned (null when not exported). */
  action: number | null;
  /** What Envoy did with it. */
  status: FilterHeadersStatus;
  /** Request headers after the filter ran. */
  requestHeaders: Array<[string, string]>;
  /** Response headers after the filter ran, when a response was given and reached. */
  responseHeaders: Array<[string, string]> | null;
  localResponse: LocalResponse | null;
  /** The stream ended stopped by the filter and never resumed. */
  paused: boolean;
  /** Guest callbacks made for this stream's context, in order. */
  callbacks: string[];
}

function goesOn(stream: HttpStream, status: number, phase: "request" | "response", spec: HttpRequestSpec): boolean {
  if (status === 0) return true;
  if (stream.localResponse !== null || stream.ctx.reset) return false;
  spec.onPause?.(stream, phase);
  const paused = phase === "request" ? stream.requestPaused : stream.responsePaused;
  return !paused && stream.localResponse === null && !stream.ctx.reset;
}

export function runHttpRequest(stream: HttpStream, spec: HttpRequestSpec): HttpRequestResult {
  const hasBody = spec.requestBody !== undefined;
  const hasTrailers = spec.requestTrailers !== undefined;
  const headers = stream.requestHeaders(spec.requestHeaders, !hasBody && !hasTrailers);
  let open = goesOn(stream, headers.status, "request", spec);
  if (open && hasBody) {
    open = goesOn(stream, stream.requestBody(spec.requestBody!, !hasTrailers).status, "request", spec);
  }
  if (open && hasTrailers) {
    open = goesOn(stream, stream.requestTrailers(spec.requestTrailers!).status, "request", spec);
  }
  let responseReached = false;
  if (open && spec.responseHeaders !== undefined) {
    responseReached = true;
    const hasResponseBody = spec.responseBody !== undefined;
    const hasResponseTrailers = spec.responseTrailers !== undefined;
    const rh = stream.responseHeaders(spec.responseHeaders, !hasResponseBody && !hasResponseTrailers);
    open = goesOn(stream, rh.status, "response", spec);
    if (open && hasResponseBody) {
      open = goesOn(stream, stream.responseBody(spec.responseBody!, !hasResponseTrailers).status, "response", spec);
    }
    if (open && hasResponseTrailers) {
      open = goesOn(stream, stream.responseTrailers(spec.responseTrailers!).status, "response", spec);
    }
  }
  const paused = stream.requestPaused || stream.responsePaused;
  if (spec.keepOpen !== true) stream.complete();
  const result = {
    stream,
    contextId: stream.contextId,
    action: headers.action,
    status: headers.status,
    requestHeaders: stream.requestHeaderMap?.entries() ?? [],
    responseHeaders: responseReached ? (stream.responseHeaderMap?.entries() ?? null) : null,
    localResponse: stream.localResponse,
    paused,
  };
  // Computed on demand: tests that run many requests seldom read it.
  return Object.defineProperty(result, "callbacks", { get: () => stream.callbacks, enumerable: true }) as HttpRequestResult;
}
