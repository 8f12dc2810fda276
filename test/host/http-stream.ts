// One HTTP stream driven step by step, in the order and with the checks of Envoy's Wasm HTTP
// filter (source/extensions/common/wasm/context.cc): the in-VM context is created lazily by
// the first headers callback; a callback's result is turned into a filter status as
// cpp-host's convertVmCallResultTo* do; at stream end the access log (proxy_on_log) runs
// before the filter is destroyed (proxy_on_done, then proxy_on_delete).
import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus } from "./abi.js";
import type { LocalResponse, StreamContext } from "./context.js";
import type { Guest } from "./guest.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import type { HostState } from "./host-state.js";
import { bytesOf } from "./memory.js";

export interface StreamDriver {
  readonly state: HostState;
  readonly guest: Guest;
  ensureAlive(): void;
}

export interface StepResult<S> {
  /** What the guest returned, or null when it does not export the callback. */
  action: number | null;
  /** What Envoy does with it. */
  status: S;
  localResponse: LocalResponse | null;
}

/** Pause (StopIteration) becomes StopAllIterationAndWatermark, as Envoy does by default. */
export function toHeadersStatus(raw: number, stopped: boolean): FilterHeadersStatus {
  if (stopped || raw > FilterHeadersStatus.StopAllIterationAndWatermark || raw === FilterHeadersStatus.StopIteration) {
    return FilterHeadersStatus.StopAllIterationAndWatermark;
  }
  return raw as FilterHeadersStatus;
}

export function toDataStatus(raw: number, stopped: boolean): FilterDataStatus {
  return stopped || raw > FilterDataStatus.StopIterationNoBuffer ? FilterDataStatus.StopIterationNoBuffer : (raw as FilterDataStatus);
}

export function toTrailersStatus(raw: number, stopped: boolean): FilterTrailersStatus {
  return stopped || raw > FilterTrailersStatus.StopIteration ? FilterTrailersStatus.StopIteration : (raw as FilterTrailersStatus);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class HttpStream {
  /** Where this stream's callbacks start in the host's trace: later records only are scanned. */
  private readonly traceStart: number;

  constructor(
    private readonly driver: StreamDriver,
    readonly ctx: StreamContext,
  ) {
    this.traceStart = driver.state.callbackTrace.length;
  }

  get contextId(): number {
    return this.ctx.id;
  }

  get completed(): boolean {
    return this.ctx.destroyed;
  }

  /** The request headers as the filter left them (null before requestHeaders). */
  get requestHeaderMap(): HeaderMap | null {
    return this.ctx.requestHeaders;
  }

  get responseHeaderMap(): HeaderMap | null {
    return this.ctx.responseHeaders;
  }

  /** The request body buffer as the filter left it. */
  get requestBodyBytes(): Uint8Array {
    return this.ctx.requestBody;
  }

  get responseBodyBytes(): Uint8Array {
    return this.ctx.responseBody;
  }

  get localResponse(): LocalResponse | null {
    return this.ctx.localResponse;
  }

  /** Stopped by a callback and not resumed with proxy_continue_stream (nor answered locally). */
  get requestPaused(): boolean {
    return this.ctx.requestPaused;
  }

  get responsePaused(): boolean {
    return this.ctx.responsePaused;
  }

  /** Names of the guest callbacks made for this stream so far. */
  get callbacks(): string[] {
    const id = this.ctx.id;
    const trace = this.driver.state.callbackTrace;
    const names: string[] = [];
    for (let i = this.traceStart; i < trace.length; i++) if (trace[i]!.contextId === id) names.push(trace[i]!.name);
    return names;
  }

  requestHeaders(headers: HeaderInput, endOfStream = true): StepResult<FilterHeadersStatus> {
    const ctx = this.ctx;
    this.begin();
    this.create();
    ctx.requestHeaders = HeaderMap.from(headers);
    ctx.requestHeadersLive = true;
    ctx.endOfStream = endOfStream;
    const raw = this.invoke("proxy_on_request_headers", ctx.requestHeaders.length, endOfStream ? 1 : 0);
    const status = raw === null ? FilterHeadersStatus.Continue : toHeadersStatus(raw, this.driver.guest.lastStopped);
    if (status === FilterHeadersStatus.Continue) ctx.requestHeadersLive = false;
    else ctx.requestPaused = ctx.localResponse === null;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  requestBody(body: string | Uint8Array, endOfStream = true): StepResult<FilterDataStatus> {
    const ctx = this.ctx;
    this.begin();
    if (!ctx.created) return { action: null, status: FilterDataStatus.Continue, localResponse: null };
    const chunk = bytesOf(body);
    ctx.requestBody = ctx.bufferingRequestBody ? concat(ctx.requestBody, chunk) : chunk.slice();
    ctx.requestBodyLive = true;
    ctx.endOfStream = endOfStream;
    const raw = this.invoke("proxy_on_request_body", ctx.requestBody.length, endOfStream ? 1 : 0);
    const status = raw === null ? FilterDataStatus.Continue : toDataStatus(raw, this.driver.guest.lastStopped);
    ctx.bufferingRequestBody = status === FilterDataStatus.StopIterationAndBuffer;
    if (status === FilterDataStatus.Continue) ctx.requestBodyLive = false;
    else ctx.requestPaused = ctx.localResponse === null;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  requestTrailers(trailers: HeaderInput): StepResult<FilterTrailersStatus> {
    const ctx = this.ctx;
    this.begin();
    if (!ctx.created) return { action: null, status: FilterTrailersStatus.Continue, localResponse: null };
    ctx.requestTrailers = HeaderMap.from(trailers);
    ctx.requestTrailersLive = true;
    const raw = this.invoke("proxy_on_request_trailers", ctx.requestTrailers.length);
    const status = raw === null ? FilterTrailersStatus.Continue : toTrailersStatus(raw, this.driver.guest.lastStopped);
    if (status === FilterTrailersStatus.Continue) ctx.requestTrailersLive = false;
    else ctx.requestPaused = ctx.localResponse === null;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  responseHeaders(headers: HeaderInput, endOfStream = true): StepResult<FilterHeadersStatus> {
    const ctx = this.ctx;
    this.begin();
    ctx.responseHeaders = HeaderMap.from(headers);
    if (!ctx.created) return { action: null, status: FilterHeadersStatus.Continue, localResponse: null };
    ctx.responseHeadersLive = true;
    ctx.endOfStream = endOfStream;
    const raw = this.invoke("proxy_on_response_headers", ctx.responseHeaders.length, endOfStream ? 1 : 0);
    const status = raw === null ? FilterHeadersStatus.Continue : toHeadersStatus(raw, this.driver.guest.lastStopped);
    if (status === FilterHeadersStatus.Continue) ctx.responseHeadersLive = false;
    else ctx.responsePaused = true;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  responseBody(body: string | Uint8Array, endOfStream = true): StepResult<FilterDataStatus> {
    const ctx = this.ctx;
    this.begin();
    if (!ctx.created) return { action: null, status: FilterDataStatus.Continue, localResponse: null };
    const chunk = bytesOf(body);
    ctx.responseBody = ctx.bufferingResponseBody ? concat(ctx.responseBody, chunk) : chunk.slice();
    ctx.responseBodyLive = true;
    ctx.endOfStream = endOfStream;
    const raw = this.invoke("proxy_on_response_body", ctx.responseBody.length, endOfStream ? 1 : 0);
    const status = raw === null ? FilterDataStatus.Continue : toDataStatus(raw, this.driver.guest.lastStopped);
    ctx.bufferingResponseBody = status === FilterDataStatus.StopIterationAndBuffer;
    if (status === FilterDataStatus.Continue) ctx.responseBodyLive = false;
    else ctx.responsePaused = true;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  responseTrailers(trailers: HeaderInput): StepResult<FilterTrailersStatus> {
    const ctx = this.ctx;
    this.begin();
    ctx.responseTrailers = HeaderMap.from(trailers);
    if (!ctx.created) return { action: null, status: FilterTrailersStatus.Continue, localResponse: null };
    ctx.responseTrailersLive = true;
    const raw = this.invoke("proxy_on_response_trailers", ctx.responseTrailers.length);
    const status = raw === null ? FilterTrailersStatus.Continue : toTrailersStatus(raw, this.driver.guest.lastStopped);
    if (status === FilterTrailersStatus.Continue) ctx.responseTrailersLive = false;
    else ctx.responsePaused = true;
    return { action: raw, status, localResponse: ctx.localResponse };
  }

  /**
   * Ends the stream as Envoy's connection manager does: access logging first (proxy_on_log,
   * creating the in-VM context if no headers callback did), then filter destruction
   * (proxy_on_done, whose result Envoy ignores for streams, then proxy_on_delete).
   */
  complete(): void {
    const ctx = this.ctx;
    if (ctx.destroyed) return;
    this.begin();
    this.create();
    ctx.accessLogPhase = true;
    try {
      this.invoke("proxy_on_log");
    } finally {
      ctx.accessLogPhase = false;
    }
    ctx.destroyed = true;
    this.invoke("proxy_on_done");
    this.invoke("proxy_on_delete");
    this.driver.state.contexts.delete(ctx.id);
  }

  private begin(): void {
    this.driver.ensureAlive();
    if (this.ctx.destroyed) throw new Error(`stream ${this.ctx.id} is already complete`);
  }

  private create(): void {
    const ctx = this.ctx;
    if (ctx.created) return;
    this.invoke("proxy_on_context_create", ctx.rootId);
    ctx.created = true;
  }

  /** Calls a stream callback (context id first) if the module exports it. */
  private invoke(name: string, a = 0, b = 0): number | null {
    const guest = this.driver.guest;
    const fn = guest.fn(name);
    if (fn === undefined) return null;
    return guest.call(this.ctx, name, fn, this.ctx.id, a, b);
  }
}
