// The benchmark path: the same per-request callback sequence as HttpStream (context create,
// request headers, optional response headers, log, done, delete), run N times over headers
// encoded once. Per iteration the host allocates nothing of its own: the stream context and
// header map are reused (the map is reset to the prepared entries, which are shared), and
// host calls compare header bytes in place.
import { FilterHeadersStatus } from "./abi.js";
import { StreamContext } from "./context.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import type { StreamDriver } from "./http-stream.js";
import { toHeadersStatus } from "./http-stream.js";

export class PreparedRequest {
  readonly requestHeaders: HeaderMap;
  readonly responseHeaders: HeaderMap | null;

  constructor(requestHeaders: HeaderInput, responseHeaders?: HeaderInput) {
    this.requestHeaders = HeaderMap.from(requestHeaders);
    this.responseHeaders = responseHeaders === undefined ? null : HeaderMap.from(responseHeaders);
  }
}

export interface BatchResult {
  iterations: number;
  /** Requests whose headers callback let them through. */
  continued: number;
  /** Requests stopped by the headers callback (paused or answered locally). */
  stopped: number;
  localResponses: number;
  /** The guest's last on_request_headers result (null when not exported). */
  lastAction: number | null;
  lastStatus: FilterHeadersStatus;
}

export function runPrepared(
  driver: StreamDriver, rootId: number, prepared: PreparedRequest, iterations: number,
): BatchResult {
  driver.ensureAlive();
  const s = driver.state;
  const guest = driver.guest;
  const onCreate = guest.fn("proxy_on_context_create");
  const onRequest = guest.fn("proxy_on_request_headers");
  const onResponse = prepared.responseHeaders === null ? undefined : guest.fn("proxy_on_response_headers");
  const onLog = guest.fn("proxy_on_log");
  const onDone = guest.fn("proxy_on_done");
  const onDelete = guest.fn("proxy_on_delete");
  const ctx = new StreamContext(0, rootId);
  const request = new HeaderMap();
  const response = new HeaderMap();
  const result: BatchResult = {
    iterations, continued: 0, stopped: 0, localResponses: 0, lastAction: null, lastStatus: FilterHeadersStatus.Continue,
  };
  s.recordEvents = false;
  try {
    for (let i = 0; i < iterations; i++) {
      const id = s.allocContextId();
      ctx.reinit(id, rootId);
      request.copyFrom(prepared.requestHeaders);
      ctx.requestHeaders = request;
      s.fastStream = ctx;
      if (onCreate !== undefined) guest.call(ctx, "proxy_on_context_create", onCreate, id, rootId);
      ctx.created = true;
      ctx.requestHeadersLive = true;
      ctx.endOfStream = true;
      let status = FilterHeadersStatus.Continue;
      if (onRequest !== undefined) {
        const raw = guest.call(ctx, "proxy_on_request_headers", onRequest, id, request.length, 1);
        status = toHeadersStatus(raw, guest.lastStopped);
        result.lastAction = raw;
      }
      result.lastStatus = status;
      ctx.requestHeadersLive = false;
      if (status === FilterHeadersStatus.Continue) {
        result.continued++;
        if (onResponse !== undefined) {
          response.copyFrom(prepared.responseHeaders!);
          ctx.responseHeaders = response;
          ctx.responseHeadersLive = true;
          guest.call(ctx, "proxy_on_response_headers", onResponse, id, response.length, 1);
          ctx.responseHeadersLive = false;
        }
      } else {
        result.stopped++;
      }
      ctx.accessLogPhase = true;
      if (onLog !== undefined) guest.call(ctx, "proxy_on_log", onLog, id);
      ctx.accessLogPhase = false;
      ctx.destroyed = true;
      if (onDone !== undefined) guest.call(ctx, "proxy_on_done", onDone, id);
      if (onDelete !== undefined) guest.call(ctx, "proxy_on_delete", onDelete, id);
      result.localResponses += ctx.localResponseCount;
    }
  } finally {
    s.fastStream = null;
    s.recordEvents = true;
  }
  return result;
}
