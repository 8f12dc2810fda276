// Everything the host functions read and write, shared by the import implementations and the
// driving API. Context selection follows cpp-host: host calls act on the effective context
// (proxy_set_effective_context) or else on the context whose callback is running.
import { LogLevel, logLevelName } from "./abi.js";
import type { Context, HttpCallRecord, LocalResponse, LogEntry, StreamContext, StreamControl } from "./context.js";
import { RootContext } from "./context.js";
import { GuestMemory, bytesOf } from "./memory.js";
import { Metrics } from "./metrics.js";
import { SharedData, type SharedEntry } from "./shared-data.js";

export interface HostOptions {
  /** Wall clock in nanoseconds; the default is a virtual clock frozen at load time. */
  clock?: () => bigint;
  /** VM configuration (buffer VM_CONFIGURATION, size passed to proxy_on_vm_start). */
  vmConfig?: string | Uint8Array;
  /** proxy_log below this level is dropped, as Envoy drops it; default Trace (keep all). */
  logLevel?: LogLevel;
  /** Initial property table for proxy_get_property; keys are paths, segments joined by '\0'. */
  properties?: Record<string, string | Uint8Array>;
  /** Clusters proxy_http_call accepts (others get BAD_ARGUMENT); default: any. */
  clusters?: string[];
  /** Also print guest log lines to stderr. */
  echoLogs?: boolean;
  /** Count the guest's calls per host function (see ProxyWasmHost.hostCalls); off on benchmarks. */
  countHostCalls?: boolean;
}

export enum Restriction {
  None = 0,
  Start = 1,
  Malloc = 2,
}

/** Thrown by a host function to trap the guest (cpp-host returns a Wasm trap). */
export class HostTrap extends Error {}

/** A guest callback trapped; the VM is failed from then on. */
export class ProxyWasmTrapError extends Error {
  constructor(
    readonly callback: string,
    readonly detail: string,
  ) {
    super(`Function: ${callback} failed: ${detail}`);
  }
}

export class ProxyWasmVmFailedError extends Error {}

/** What proxy_get_shared_data handed the guest: values returned and the bytes copied into it. */
export interface SharedDataCopies {
  reads: number;
  bytes: number;
}

export interface CallbackRecord {
  name: string;
  contextId: number;
  args: number[];
}

export class HostState {
  readonly mem = new GuestMemory();
  readonly contexts = new Map<number, Context>();
  /** Context id 0: the VM itself (runs _start and malloc). */
  readonly vmContext = new RootContext(0, new Uint8Array(0));
  current: Context = this.vmContext;
  effectiveId = 0;
  /** The stream the benchmark path is running; kept out of `contexts` to save map churn. */
  fastStream: StreamContext | null = null;
  restricted: Restriction = Restriction.None;
  /** Set by proxy_send_local_response; the running headers/body callback then stops. */
  stopNextIteration = false;
  /** Work deferred until the outermost guest call returns (cpp-host DeferAfterCallActions). */
  readonly afterCall: Array<() => void> = [];
  failure: string | null = null;

  readonly logs: LogEntry[] = [];
  /** Guest → host calls per import ("env.proxy_log"), when HostOptions.countHostCalls is set. */
  readonly hostCallCounts: Map<string, number> | null;
  logLevel: number;
  readonly echoLogs: boolean;
  readonly metrics = new Metrics();
  readonly sharedData = new SharedData();
  /** Shared-data values copied into this VM, per stored entry (keyed by object: no key decoding). */
  readonly sharedDataCopies = new Map<SharedEntry, SharedDataCopies>();
  readonly properties = new Map<string, Uint8Array>();
  readonly httpCalls = new Map<number, HttpCallRecord>();
  nextHttpCallId = 0;
  readonly localResponses: LocalResponse[] = [];
  readonly streamControls: StreamControl[] = [];
  /** False on the benchmark path: count instead of recording per-request events. */
  recordEvents = true;
  /** Every guest callback made outside the benchmark path, in order. */
  readonly callbackTrace: CallbackRecord[] = [];
  /** cpp-host allocContextId: ids start at 1 and are never reused. */
  private nextContextId = 1;
  readonly vmConfig: Uint8Array;
  readonly clusters: Set<string> | null;

  private readonly clock: (() => bigint) | null;
  private readonly startNs: bigint;
  private offsetNs = 0n;
  /** The frozen virtual time, so the hot path does not add bigints on every clock read. */
  private frozenNs: bigint | null = null;

  constructor(options: HostOptions) {
    this.vmConfig = bytesOf(options.vmConfig ?? "");
    this.logLevel = options.logLevel ?? LogLevel.Trace;
    this.echoLogs = options.echoLogs ?? false;
    this.hostCallCounts = options.countHostCalls ? new Map() : null;
    this.clusters = options.clusters === undefined ? null : new Set(options.clusters);
    this.clock = options.clock ?? null;
    this.startNs = BigInt(Date.now()) * 1_000_000n;
    for (const [path, value] of Object.entries(options.properties ?? {})) {
      this.properties.set(path, bytesOf(value));
    }
    this.contexts.set(0, this.vmContext);
  }

  /** Values proxy_get_shared_data returned and the bytes it copied, for key `key` or all keys. */
  sharedDataCopied(key?: string): SharedDataCopies {
    const total = { reads: 0, bytes: 0 };
    const k = key === undefined ? null : bytesOf(key);
    const only = k === null ? undefined : this.sharedData.lookup(k, 0, k.length);
    if (k !== null && only === undefined) return total;
    for (const [entry, copies] of this.sharedDataCopies) {
      if (only !== undefined && entry !== only) continue;
      total.reads += copies.reads;
      total.bytes += copies.bytes;
    }
    return total;
  }

  allocContextId(): number {
    let id = this.nextContextId++;
    while (this.contexts.has(id)) id = this.nextContextId++;
    return id;
  }

  nowNs(): bigint {
    if (this.clock !== null) return this.clock() + this.offsetNs;
    return (this.frozenNs ??= this.startNs + this.offsetNs);
  }

  advance(ns: bigint): void {
    this.offsetNs += ns;
    this.frozenNs = null;
  }

  getContext(id: number): Context | undefined {
    const c = this.contexts.get(id);
    if (c !== undefined) return c;
    const f = this.fastStream;
    return f !== null && f.id === id ? f : undefined;
  }

  /** cpp-host contextOrEffectiveContext(). */
  active(): Context {
    if (this.effectiveId === 0) return this.current;
    return this.getContext(this.effectiveId) ?? this.current;
  }

  rootOf(ctx: Context): RootContext {
    if (ctx.kind === "root") return ctx;
    const root = this.contexts.get(ctx.rootId);
    return root !== undefined && root.kind === "root" ? root : this.vmContext;
  }

  addLog(level: number, message: string, contextId: number): void {
    const entry = { level, levelName: logLevelName(level), message, contextId };
    this.logs.push(entry);
    if (this.echoLogs) process.stderr.write(`[wasm ${entry.levelName} ctx=${contextId}] ${message}\n`);
  }

  /** Traps the guest when a host call is not allowed in the current phase. */
  restrictedCall(name: string): never {
    throw new HostTrap(`restricted_callback (${name})`);
  }

  getProperty(ctx: Context, path: string): Uint8Array | undefined {
    const key = path.endsWith("\0") ? path.slice(0, -1) : path;
    if (ctx.kind === "stream" && ctx.properties !== null) {
      const own = ctx.properties.get(key);
      if (own !== undefined) return own;
    }
    return this.properties.get(key);
  }
}
