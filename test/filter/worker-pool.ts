// One proxy's worker VMs for delivery tests: several copies of the compiled filter, each in its
// own test host, sharing one shared-data store and one clock, as Envoy's worker threads do.
//
// The test host gives each ProxyWasmHost its own SharedData and clock and has no option to share
// them, so this swaps the store in before the plugin starts (the host functions look it up on
// every call) and moves all clocks together, firing each VM's ticks in time order. VMs run one
// at a time here, so the store can also inject a write between a guest's read and its own write,
// which is what a worker on another thread does when it wins a race.
import type { HttpCallResponseInput } from "../host/proxy-wasm-host.js";
import { ProxyWasmHost } from "../host/proxy-wasm-host.js";
import { SharedData } from "../host/shared-data.js";
import { FILTER_WASM, HEADER, T0_MS } from "./filter-host.js";

const T0_NS = BigInt(T0_MS) * 1_000_000n;

type Entry = NonNullable<ReturnType<SharedData["lookup"]>>;

/** Shared data in which another worker's write can land right after a guest's read. */
export class RacySharedData extends SharedData {
  private readonly races: Array<{ key: string; write: () => void }> = [];

  /** After the next read of `key` (which still sees the old value and CAS), runs `write`. */
  afterNextRead(key: string, write: () => void): void {
    this.races.push({ key, write });
  }

  override lookup(src: Uint8Array, off: number, len: number): Entry | undefined {
    const entry = super.lookup(src, off, len);
    const key = Buffer.from(src.subarray(off, off + len)).toString("utf8");
    const i = this.races.findIndex((r) => r.key === key);
    if (i < 0) return entry;
    const [race] = this.races.splice(i, 1);
    const seen = entry === undefined ? undefined : { ...entry };
    race!.write();
    return seen;
  }
}

export interface PendingCall {
  worker: Worker;
  token: number;
  cluster: string;
  headers: Array<[string, string]>;
  timeoutMs: number;
  /** The value of one request header of the call, undefined when absent. */
  header(name: string): string | undefined;
  respond(response: HttpCallResponseInput): void;
  fail(): void;
}

export class Worker {
  /** False while stopped: its clock and ticks stand still, as in a VM that is gone or stalled. */
  running = true;

  constructor(
    readonly index: number,
    readonly host: ProxyWasmHost,
    readonly rootId: number,
    readonly configured: boolean,
  ) {}

  /** A plugin metric in this VM (without Envoy's wasmcustom prefix), 0 when undefined. */
  metric(name: string): number {
    return Number(this.host.metric(`solar_router.${name}`) ?? 0n);
  }

  /** Runs one request; returns the upstream header the filter left (null: none). */
  route(headers: Record<string, string>): string | null {
    const result = this.host.httpRequest(this.rootId, { requestHeaders: Object.entries(headers) });
    const values = result.requestHeaders.filter(([k]) => k === HEADER).map(([, v]) => v);
    if (values.length > 1) throw new Error(`filter left ${values.length} ${HEADER} headers`);
    return values[0] ?? null;
  }

  /** Time since T0 on this worker's clock, in ns. */
  elapsedNs(): bigint {
    return this.host.now() - T0_NS;
  }
}

export class WorkerPool {
  readonly sharedData = new RacySharedData();
  readonly workers: Worker[] = [];
  private elapsed = 0n;

  private constructor(private readonly hostOptions: { clusters?: string[] }) {}

  /** Starts `count` workers 1 ms apart (their RNG seeds come from the clock, as in Envoy). */
  static async start(count: number, pluginConfig: object, hostOptions: { clusters?: string[] } = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(hostOptions);
    for (let i = 0; i < count; i++) {
      if (i > 0) pool.advance(1);
      await pool.addWorker(pluginConfig);
    }
    return pool;
  }

  async addWorker(pluginConfig: object): Promise<Worker> {
    const startNs = T0_NS + this.elapsed;
    const host = await ProxyWasmHost.load(FILTER_WASM, { ...this.hostOptions, clock: () => startNs });
    (host.state as { sharedData: SharedData }).sharedData = this.sharedData;
    const { rootId, configured } = host.startPlugin({ pluginConfig: JSON.stringify(pluginConfig) });
    const worker = new Worker(this.workers.length, host, rootId, configured);
    this.workers.push(worker);
    return worker;
  }

  /** The pool's clock in Unix ms. */
  nowMs(): number {
    return T0_MS + Number(this.elapsed / 1_000_000n);
  }

  /** Moves every running worker's clock on by `ms`, firing ticks in time order across workers. */
  advance(ms: number): void {
    const target = this.elapsed + BigInt(Math.round(ms * 1e6));
    for (;;) {
      const due = this.nextTickNs();
      if (due === null || due > target) break;
      this.stepTo(due > this.elapsed ? due : this.elapsed + 1n);
    }
    this.stepTo(target);
  }

  stop(worker: Worker): void {
    worker.running = false;
  }

  /** Lets a stopped worker run again; it first catches up on the ticks it missed, late. */
  resume(worker: Worker): void {
    worker.running = true;
    const behind = this.elapsed - worker.elapsedNs();
    if (behind > 0n) worker.host.advanceTime(Number(behind) / 1e6);
  }

  /** Pending HTTP calls of the running workers. */
  pendingCalls(): PendingCall[] {
    return this.running().flatMap((worker) => worker.host.pendingHttpCalls().map((c) => ({
      worker,
      token: c.token,
      cluster: c.cluster,
      headers: c.headers,
      timeoutMs: c.timeoutMs,
      header: (name: string) => c.headers.find(([k]) => k === name)?.[1],
      respond: (response: HttpCallResponseInput) => worker.host.respondToHttpCall(c.token, response),
      fail: () => worker.host.failHttpCall(c.token),
    })));
  }

  /** The one pending call; throws when there is none or more than one. */
  onlyCall(): PendingCall {
    const calls = this.pendingCalls();
    if (calls.length !== 1) throw new Error(`expected one pending HTTP call, found ${calls.length}`);
    return calls[0]!;
  }

  running(): Worker[] {
    return this.workers.filter((w) => w.running);
  }

  private stepTo(elapsed: bigint): void {
    if (elapsed <= this.elapsed) return;
    this.elapsed = elapsed;
    for (const w of this.running()) {
      const delta = elapsed - w.elapsedNs();
      if (delta > 0n) w.host.advanceTime(Number(delta) / 1e6);
    }
  }

  /** The earliest tick due on a running worker, as ns since T0. */
  private nextTickNs(): bigint | null {
    let next: bigint | null = null;
    for (const w of this.running()) {
      for (const c of w.host.state.contexts.values()) {
        if (c.kind !== "root" || c.id === 0 || c.tickPeriodMs === 0) continue;
        const at = c.nextTickNs - T0_NS;
        if (next === null || at < next) next = at;
      }
    }
    return next;
  }
}
