// One worker VM of the compiled filter with reports on, for report tests and the report fixture
// generator. Another worker holds the table delivery lease (set in shared data before start), so
// this worker never polls: its only HTTP calls are reports.
import { encodeTable } from "../../controller/table/encode.js";
import type { WeightTable } from "../../controller/table/weight-table.js";
import type { HttpCallRecord } from "../host/context.js";
import type { HttpStream } from "../host/http-stream.js";
import { ProxyWasmHost } from "../host/proxy-wasm-host.js";
import { BUCKET_COUNT, bucketOf, readReport, type FilterReport, type ReportEntry } from "./report-codec.js";
import { FILTER_WASM, HEADER, SHARED_KEY, T0_MS, requestHeaders } from "./filter-host.js";

export const CONTROLLER = { cluster: "solar-controller" };
export const TICK_MS = 100;
export const REPORT_PATH = "/v1/reports";
const T0_NS = BigInt(T0_MS) * 1_000_000n;
const FOREVER_MS = 10n * 365n * 86_400_000n;

/** A stream routed and waiting for its response. */
export interface OpenStream {
  upstream: string | null;
  /** Sends response headers with this status, then ends the stream. */
  respond(status: number): void;
}

export interface SentReport {
  call: HttpCallRecord;
  report: FilterReport;
  /** The host clock when the call was seen, Unix ms. */
  seenAtMs: number;
}

export class ReportingFilter {
  private constructor(
    readonly host: ProxyWasmHost,
    readonly rootId: number,
    readonly configured: boolean,
  ) {}

  static async start(config: object, options: { countHostCalls?: boolean; clusters?: string[] } = {}): Promise<ReportingFilter> {
    const host = await ProxyWasmHost.load(FILTER_WASM, { clock: () => T0_NS, ...options });
    const lease = new Uint8Array(16);
    const view = new DataView(lease.buffer);
    view.setBigUint64(0, 0xdeadn, true);
    view.setBigUint64(8, BigInt(T0_MS) + FOREVER_MS, true);
    host.sharedData.set(`${SHARED_KEY}.lease`, lease);
    const { rootId, configured } = host.startPlugin({ pluginConfig: JSON.stringify({ tick_ms: TICK_MS, controller: CONTROLLER, ...config }) });
    return new ReportingFilter(host, rootId, configured);
  }

  /** A plugin metric (without Envoy's wasmcustom prefix), 0 when undefined. */
  metric(name: string): number {
    return Number(this.host.metric(`solar_router.${name}`) ?? 0n);
  }

  nowMs(): number {
    return Number(this.host.now() / 1_000_000n);
  }

  /** Puts a table into shared data; the worker adopts it on its next tick, which this fires. */
  publish(table: WeightTable): void {
    this.host.sharedData.set(SHARED_KEY, encodeTable(table));
    this.host.tick(this.rootId);
  }

  advance(ms: number): void {
    this.host.advanceTime(ms);
  }

  /** Starts a stream and runs its request headers. */
  open(authority: string): OpenStream {
    const stream: HttpStream = this.host.openHttpStream(this.rootId);
    stream.requestHeaders(Object.entries(requestHeaders(authority)));
    const upstream = stream.requestHeaderMap!.entries().find(([k]) => k === HEADER)?.[1] ?? null;
    return {
      upstream,
      respond: (status) => {
        stream.responseHeaders([[":status", String(status)], ["content-length", "0"]]);
        stream.complete();
      },
    };
  }

  /** One whole request; with a status, its response comes at once. Returns the upstream. */
  request(authority: string, status?: number): string | null {
    const stream = this.open(authority);
    if (status !== undefined) stream.respond(status);
    return stream.upstream;
  }

  /** Report calls waiting for an answer. */
  pendingReports(): HttpCallRecord[] {
    return this.host.pendingHttpCalls().filter((c) => c.headers.some(([k, v]) => k === ":method" && v === "POST"));
  }

  /**
   * Returns the pending report call, decoded; if there is none, moves the clock from tick to tick
   * (at most `limitMs`) until there is. `seenAtMs` is then the time of the tick that sent it.
   */
  nextReport(limitMs = 20_000): SentReport {
    const until = this.host.now() + BigInt(limitMs) * 1_000_000n;
    for (;;) {
      const pending = this.pendingReports();
      if (pending.length > 1) throw new Error(`${pending.length} report calls in flight`);
      if (pending.length === 1) {
        const call = pending[0]!;
        return { call, report: readReport(call.body), seenAtMs: this.nowMs() };
      }
      const tickAt = (this.host.state.contexts.get(this.rootId) as { nextTickNs: bigint }).nextTickNs;
      if (tickAt > until) throw new Error(`no report within ${limitMs} ms`);
      this.advance(Number(tickAt > this.host.now() ? tickAt - this.host.now() : 1n) / 1e6);
    }
  }

  /** Answers the pending report call. */
  answer(sent: SentReport, status: number, body = ""): void {
    this.host.respondToHttpCall(sent.call.token, { headers: [[":status", String(status)]], body });
  }

  /** Fails the pending report call as a reset connection would. */
  fail(sent: SentReport): void {
    this.host.failHttpCall(sent.call.token);
  }
}

/** What a report should carry, tallied from what the test sent through the host. */
export class Tally {
  private readonly entries = new Map<string, ReportEntry>();

  request(tableVersion: bigint, service: string, upstream: string): void {
    this.entry(tableVersion, service, upstream).requests++;
  }

  response(tableVersion: bigint, service: string, upstream: string, status: number, latencyMs: number): void {
    const e = this.entry(tableVersion, service, upstream);
    e.responses++;
    if (status >= 500 && status <= 599) e.responses5xx++;
    e.latencyBuckets[bucketOf(latencyMs)]!++;
  }

  /** The entries, in a fixed order (reports need not keep one). */
  sorted(): ReportEntry[] {
    return sortEntries([...this.entries.values()]);
  }

  private entry(tableVersion: bigint, service: string, upstream: string): ReportEntry {
    const key = `${tableVersion}\0${service}\0${upstream}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { tableVersion, service, upstream, requests: 0, responses: 0, responses5xx: 0, latencyBuckets: new Array<number>(BUCKET_COUNT).fill(0) };
      this.entries.set(key, e);
    }
    return e;
  }
}

export function sortEntries(entries: ReportEntry[]): ReportEntry[] {
  const key = (e: ReportEntry) => `${String(e.tableVersion).padStart(20, "0")}\0${e.service}\0${e.upstream}`;
  return [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
