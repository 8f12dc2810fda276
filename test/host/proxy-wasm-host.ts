// A proxy-wasm ABI 0.2.1 host for tests, modelled on Envoy + proxy-wasm-cpp-host. Methods
// that drive the plugin (startPlugin, httpRequest, tick, respondToHttpCall, ...) are kept
// apart from those that only observe host state (logs, metrics, sharedData, ...).
import { readFile } from "node:fs/promises";
import type { AbiVersion } from "./abi.js";
import { RootContext, StreamContext, type HttpCallRecord, type LocalResponse, type LogEntry, type StreamControl } from "./context.js";
import { runPrepared, PreparedRequest, type BatchResult } from "./fast-path.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import { ProxyWasmVmFailedError, type CallbackRecord, type HostOptions, type HostState, type SharedDataCopies } from "./host-state.js";
import { HttpStream, type StreamDriver } from "./http-stream.js";
import { runHttpRequest, type HttpRequestResult, type HttpRequestSpec } from "./http-request.js";
import { bytesOf } from "./memory.js";
import type { MetricSnapshot } from "./metrics.js";
import type { SharedData } from "./shared-data.js";
import { loadVm, type LoadedVm } from "./vm-loader.js";

export interface StartPluginOptions {
  /** Context id for the plugin's root context; default: the next free id. */
  rootId?: number;
  pluginConfig?: string | Uint8Array;
}

export interface StartedPlugin {
  rootId: number;
  /** proxy_on_vm_start returned true (or is not exported). */
  started: boolean;
  /** Started and proxy_on_configure returned true (or is not exported). */
  configured: boolean;
}

export interface HttpCallResponseInput {
  headers: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
}

const BROKEN_CONNECTION = 11;

export class ProxyWasmHost implements StreamDriver {
  readonly state: HostState;
  readonly guest: LoadedVm["guest"];
  readonly abiVersion: AbiVersion;
  private readonly exportNames: ReadonlySet<string>;

  private constructor(vm: LoadedVm) {
    this.state = vm.state;
    this.guest = vm.guest;
    this.abiVersion = vm.abi;
    this.exportNames = vm.exports;
  }

  /** Compiles, links and starts a module (_initialize/_start run here). */
  static async load(source: string | URL | Uint8Array | ArrayBuffer, options: HostOptions = {}): Promise<ProxyWasmHost> {
    const bytes = typeof source === "string" || source instanceof URL
      ? new Uint8Array(await readFile(source))
      : new Uint8Array(source);
    let host: ProxyWasmHost | null = null;
    const vm = await loadVm(bytes, options, {
      scheduleRootDelete: (root) => host!.state.afterCall.push(() => host!.deleteRoot(root)),
    });
    return (host = new ProxyWasmHost(vm));
  }

  // ---- driving --------------------------------------------------------------------------

  /** Envoy's plugin start: on_context_create(root, 0), on_vm_start, then on_configure. */
  startPlugin(options: StartPluginOptions = {}): StartedPlugin {
    this.ensureAlive();
    const s = this.state;
    const rootId = options.rootId ?? s.allocContextId();
    if (rootId === 0 || s.contexts.has(rootId)) throw new Error(`context id ${rootId} is already in use`);
    const root = new RootContext(rootId, bytesOf(options.pluginConfig ?? "").slice());
    s.contexts.set(rootId, root);
    root.pluginConfigVisible = true;
    root.created = this.invoke(root, "proxy_on_context_create", 0) !== null;
    root.pluginConfigVisible = false;
    const started = (this.invoke(root, "proxy_on_vm_start", s.vmConfig.length) ?? 1) !== 0;
    if (!started) return { rootId, started, configured: false };
    root.created = true;
    root.pluginConfigVisible = true;
    try {
      root.configured = (this.invoke(root, "proxy_on_configure", root.pluginConfig.length) ?? 1) !== 0;
    } finally {
      root.pluginConfigVisible = false;
    }
    return { rootId, started, configured: root.configured };
  }

  /** Envoy's plugin shutdown: on_done, then on_delete unless the plugin defers with proxy_done. */
  stopPlugin(rootId: number): { done: boolean } {
    this.ensureAlive();
    const root = this.root(rootId);
    const done = (this.invoke(root, "proxy_on_done") ?? 1) !== 0;
    if (done) this.deleteRoot(root);
    else root.pendingDone = true;
    return { done };
  }

  /** One proxy_on_tick, whatever the timer says. */
  tick(rootId: number): void {
    this.ensureAlive();
    this.invoke(this.root(rootId), "proxy_on_tick");
  }

  /** Moves the clock forward, firing each plugin's tick timer as it comes due; returns ticks fired. */
  advanceTime(ms: number): number {
    this.ensureAlive();
    const s = this.state;
    const target = s.nowNs() + BigInt(Math.round(ms * 1e6));
    let fired = 0;
    for (;;) {
      let due: RootContext | null = null;
      for (const c of s.contexts.values()) {
        if (c.kind === "root" && c.id !== 0 && c.tickPeriodMs > 0 && c.nextTickNs <= target) {
          if (due === null || c.nextTickNs < due.nextTickNs) due = c;
        }
      }
      if (due === null) break;
      s.advance(due.nextTickNs - s.nowNs());
      if (!this.guest.has("proxy_on_tick")) {
        due.tickPeriodMs = 0; // Envoy does not re-arm a timer nobody handles.
        continue;
      }
      this.tick(due.id);
      fired++;
      if (due.tickPeriodMs > 0) due.nextTickNs = s.nowNs() + BigInt(due.tickPeriodMs) * 1_000_000n;
    }
    const rest = target - s.nowNs();
    if (rest > 0n) s.advance(rest);
    return fired;
  }

  /** A new HTTP stream on a configured plugin, to drive step by step. */
  openHttpStream(rootId: number): HttpStream {
    this.ensureAlive();
    const root = this.root(rootId);
    if (!root.configured) throw new Error(`plugin ${rootId} is not configured`);
    const ctx = new StreamContext(this.state.allocContextId(), rootId);
    this.state.contexts.set(ctx.id, ctx);
    return new HttpStream(this, ctx);
  }

  /** One whole HTTP stream in Envoy's order; see HttpRequestSpec. */
  httpRequest(rootId: number, spec: HttpRequestSpec): HttpRequestResult {
    return runHttpRequest(this.openHttpStream(rootId), spec);
  }

  /** Encodes request (and optional response) headers once, for runPreparedRequests. */
  prepareRequest(requestHeaders: HeaderInput, responseHeaders?: HeaderInput): PreparedRequest {
    return new PreparedRequest(requestHeaders, responseHeaders);
  }

  /** Runs the per-request callback sequence `iterations` times with minimal host overhead. */
  runPreparedRequests(rootId: number, prepared: PreparedRequest, iterations: number): BatchResult {
    const root = this.root(rootId);
    if (!root.configured) throw new Error(`plugin ${rootId} is not configured`);
    return runPrepared(this, rootId, prepared, iterations);
  }

  /** Delivers the upstream's answer to a proxy_http_call. */
  respondToHttpCall(token: number, response: HttpCallResponseInput): void {
    const { call, root } = this.takeHttpCall(token);
    const headers = HeaderMap.from(response.headers);
    const body = bytesOf(response.body ?? "").slice();
    const trailers = response.trailers === undefined ? null : HeaderMap.from(response.trailers);
    root.httpCallResponse = { headers, body, trailers };
    try {
      this.invoke(root, "proxy_on_http_call_response", call.token, headers.length, body.length, trailers?.length ?? 0);
    } finally {
      root.httpCallResponse = null;
    }
  }

  /** Fails a proxy_http_call as Envoy does on a reset: no headers, no body, status "reset". */
  failHttpCall(token: number): void {
    const { call, root } = this.takeHttpCall(token);
    root.statusCode = BROKEN_CONNECTION;
    root.statusMessage = "reset";
    try {
      this.invoke(root, "proxy_on_http_call_response", call.token, 0, 0, 0);
    } finally {
      root.statusMessage = "";
    }
  }

  // ---- observing ------------------------------------------------------------------------

  /** Why the VM failed (a trap), or null. */
  get failure(): string | null {
    return this.state.failure;
  }

  hasExport(name: string): boolean {
    return this.exportNames.has(name);
  }

  get logs(): readonly LogEntry[] {
    return this.state.logs;
  }

  /** Log lines whose text matches, optionally at or above a level. */
  findLogs(match: string | RegExp, minLevel = 0): LogEntry[] {
    const test = typeof match === "string" ? (m: string) => m.includes(match) : (m: string) => match.test(m);
    return this.state.logs.filter((l) => l.level >= minLevel && test(l.message));
  }

  clearLogs(): void {
    this.state.logs.length = 0;
  }

  set logLevel(level: number) {
    this.state.logLevel = level;
  }

  /** Guest calls of a host function so far ("proxy_log"); needs HostOptions.countHostCalls. */
  hostCalls(name: string): number {
    const counts = this.state.hostCallCounts;
    if (counts === null) throw new Error("load the host with { countHostCalls: true } to count host calls");
    return counts.get(name.includes(".") ? name : `env.${name}`) ?? 0;
  }

  /** Value of a plugin metric by the name it was defined with (histograms: sample count). */
  metric(name: string): bigint | undefined {
    return this.state.metrics.find(name)?.value;
  }

  metrics(): Record<string, MetricSnapshot> {
    return this.state.metrics.snapshot();
  }

  get sharedData(): SharedData {
    return this.state.sharedData;
  }

  /** What proxy_get_shared_data copied into this VM so far, for one key or all (misses copy nothing). */
  sharedDataCopied(key?: string): SharedDataCopies {
    return this.state.sharedDataCopied(key);
  }

  /** The host clock (ns) as the plugin sees it. */
  now(): bigint {
    return this.state.nowNs();
  }

  /** Current tick period of a plugin in ms (0: none). */
  tickPeriod(rootId: number): number {
    return this.root(rootId).tickPeriodMs;
  }

  pendingHttpCalls(): HttpCallRecord[] {
    return [...this.state.httpCalls.values()];
  }

  get localResponses(): readonly LocalResponse[] {
    return this.state.localResponses;
  }

  get streamControls(): readonly StreamControl[] {
    return this.state.streamControls;
  }

  /** Every guest callback so far (not counting the benchmark path), in order. */
  get callbacks(): readonly CallbackRecord[] {
    return this.state.callbackTrace;
  }

  /** Sets (or with null removes) a property for proxy_get_property; path segments as an array. */
  setProperty(path: string | string[], value: string | Uint8Array | null): void {
    const key = Array.isArray(path) ? path.join("\0") : path;
    if (value === null) this.state.properties.delete(key);
    else this.state.properties.set(key, bytesOf(value).slice());
  }

  /** Current guest linear memory size in bytes. */
  memoryBytes(): number {
    return this.state.mem.size;
  }

  // ---- internals ------------------------------------------------------------------------

  ensureAlive(): void {
    if (this.state.failure !== null) throw new ProxyWasmVmFailedError(`the Wasm VM has failed: ${this.state.failure}`);
  }

  private root(rootId: number): RootContext {
    const c = this.state.contexts.get(rootId);
    if (c === undefined || c.kind !== "root" || rootId === 0) throw new Error(`no plugin context ${rootId}`);
    return c;
  }

  /** Calls a callback (first argument: the context id) if exported; null if not. */
  private invoke(ctx: RootContext | StreamContext, name: string, a = 0, b = 0, c = 0, d = 0): number | null {
    const fn = this.guest.fn(name);
    if (fn === undefined) return null;
    return this.guest.call(ctx, name, fn, ctx.id, a, b, c, d);
  }

  private takeHttpCall(token: number): { call: HttpCallRecord; root: RootContext } {
    this.ensureAlive();
    const call = this.state.httpCalls.get(token);
    if (call === undefined) throw new Error(`no pending HTTP call with token ${token}`);
    this.state.httpCalls.delete(token);
    return { call, root: this.root(call.rootContextId) };
  }

  private deleteRoot(root: RootContext): void {
    if (root.deleted) return;
    root.deleted = true;
    if (root.created) this.invoke(root, "proxy_on_delete");
    this.state.contexts.delete(root.id);
  }
}
