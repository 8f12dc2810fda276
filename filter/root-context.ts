// A root context: one per plugin configuration in each worker's VM. It holds the validated
// configuration and the decoded table in this VM's memory, and refreshes the table on every tick
// from proxy shared data: it copies the table only when the version key does not vouch that it
// is the value already read (delivery/shared-table.ts), and decodes it only when its CAS changed.
// With a controller configured it also takes part in the delivery lease, and as the holder polls
// the controller (delivery/); with `report` it sends what it counted to the controller (report/).
// Everything here runs off the request path.
import { HostBytes, LogLevel, getSharedData, log, nowNanos, valueCas, valueLen, valuePtr } from "./host";
import { Metrics } from "./metrics";
import { PluginConfig } from "./config/plugin-config";
import { LEASE_KEY_SUFFIX, Lease } from "./delivery/lease";
import { Poller } from "./delivery/poller";
import { SharedTable } from "./delivery/shared-table";
import { VERSION_KEY_SUFFIX } from "./delivery/version-key";
import { Aggregate, TableCounts } from "./report/aggregate";
import { Reporter } from "./report/reporter";
import { observeResponses } from "./report/streams";
import { nextRandom } from "./route/random";
import { decodeTable, DecodeResult } from "./table/decode";
import { REJECT_NAMES } from "./table/format";
import { WeightTable } from "./table/weight-table";

const NANOS_PER_MILLI: u64 = 1000000;

export class RootContext {
  table: WeightTable | null = null;
  /** True while the table in use is past its TTL (and TTLs are enforced). */
  expired: bool = false;
  readonly metrics: Metrics;
  readonly upstreamHeader: HostBytes;
  readonly serviceHeader: HostBytes;
  readonly serviceIsAuthority: bool;
  readonly stickyHeader: HostBytes | null;
  readonly stripInboundHeader: bool;
  readonly shadow: bool;
  /** Report counters of the table in use; null without `report` or before the first table. */
  reportCounts: TableCounts | null = null;
  /** Remember each routed stream so its response is counted (report.responses, not in shadow mode). */
  readonly observeResponses: bool;
  readonly aggregate: Aggregate | null;
  private readonly reporter: Reporter | null;
  private readonly sharedDataKey: HostBytes;
  private readonly shared: SharedTable;
  /** Names this worker as lease holder and reporter; 0 without a controller. */
  private readonly workerId: u64;
  private sharedCas: u32 = 0;
  private sharedSeen: bool = false;
  private readonly lease: Lease | null;
  private readonly poller: Poller | null;

  constructor(public readonly id: u32, public readonly config: PluginConfig) {
    this.metrics = new Metrics();
    this.upstreamHeader = new HostBytes(config.upstreamHeader);
    this.serviceHeader = new HostBytes(config.serviceHeader);
    this.serviceIsAuthority = config.serviceHeader == ":authority";
    this.stickyHeader = config.stickyHeader.length > 0 ? new HostBytes(config.stickyHeader) : null;
    this.shadow = config.shadow;
    this.stripInboundHeader = config.stripInboundHeader && !config.shadow;
    const sharedDataKey = new HostBytes(config.sharedDataKey);
    this.sharedDataKey = sharedDataKey;
    const controller = config.controller;
    const report = config.report;
    // 64 random bits per root: ids of two workers colliding is not a practical concern.
    let workerId: u64 = 0;
    while (controller !== null && workerId == 0) workerId = nextRandom();
    this.workerId = workerId;
    const shared = new SharedTable(sharedDataKey, new HostBytes(config.sharedDataKey + VERSION_KEY_SUFFIX), workerId);
    this.shared = shared;
    if (controller !== null) {
      const leaseKey = new HostBytes(config.sharedDataKey + LEASE_KEY_SUFFIX);
      this.lease = new Lease(leaseKey, workerId, controller.leaseMs, this.metrics);
      this.poller = new Poller(controller, config.tickMs, shared, this.metrics);
      if (report !== null) {
        const aggregate = new Aggregate();
        this.aggregate = aggregate;
        const nowMs = nowNanos() / NANOS_PER_MILLI;
        this.reporter = new Reporter(controller, report, config.tickMs, workerId, aggregate, this.metrics, nowMs);
      } else {
        this.aggregate = null;
        this.reporter = null;
      }
    } else {
      this.lease = null;
      this.poller = null;
      this.aggregate = null;
      this.reporter = null;
    }
    this.observeResponses = report !== null && report.responses && !config.shadow;
    if (this.observeResponses) observeResponses();
    const initial = config.staticTable;
    if (initial !== null) {
      this.adopt(decodeTable(initial.dataStart, initial.byteLength), "static_table");
    }
    this.refresh();
  }

  /**
   * On every tick: hand over request counts, renew or seek the lease, pick up a newer shared
   * table, poll if due, send a report if due, re-check the TTL.
   */
  refresh(): void {
    this.metrics.flush();
    const nowMs = nowNanos() / NANOS_PER_MILLI;
    const lease = this.lease;
    const poller = this.poller;
    // The lease first: the version key is trusted only when written by the holder it names.
    if (lease !== null) lease.tick(nowMs);
    this.pickUpShared(lease !== null ? lease.named : 0);
    if (lease !== null && poller !== null) poller.maybePoll(nowMs, lease.holds(nowMs));
    const reporter = this.reporter;
    if (reporter !== null) reporter.tick(nowMs);
    this.checkTtl(nowMs);
  }

  /**
   * Copies the shared table unless the version key, written by `holder`, names the value this
   * worker already read; decodes it only when its CAS moved. The holder then names what it read
   * in the version key, so the next ticks of every worker skip the copy.
   */
  private pickUpShared(holder: u64): void {
    if (this.sharedSeen && this.shared.unchangedSince(this.sharedCas, holder)) return;
    if (!getSharedData(this.sharedDataKey)) return;
    const cas = valueCas;
    const ptr = valuePtr;
    const len = valueLen;
    if (!this.sharedSeen || cas != this.sharedCas) {
      this.sharedSeen = true;
      this.sharedCas = cas;
      this.adopt(decodeTable(ptr, len), "shared data");
    }
    if (holder != 0 && holder == this.workerId) this.shared.describe(cas, ptr, len);
  }

  /**
   * The controller's answer to a report, or to a poll: adopt a fetched table at once, then poll
   * again if due.
   */
  onHttpCallResponse(token: u32, headerCount: u32, bodySize: u32): void {
    const nowMs = nowNanos() / NANOS_PER_MILLI;
    const reporter = this.reporter;
    if (reporter !== null && reporter.awaits(token)) {
      reporter.onResponse(headerCount, bodySize, nowMs);
      return;
    }
    const lease = this.lease;
    const poller = this.poller;
    if (lease === null || poller === null) return;
    const fetched = poller.onResponse(token, headerCount, bodySize, nowMs, lease.holds(nowMs));
    if (fetched !== null) {
      // Our own write: the next tick need not decode it again.
      const cas = poller.shared.writtenCas;
      if (cas != 0) {
        this.sharedSeen = true;
        this.sharedCas = cas;
      }
      this.adopt(fetched, "the controller");
      this.checkTtl(nowMs);
    }
    poller.maybePoll(nowMs, lease.holds(nowMs));
  }

  private adopt(result: DecodeResult, source: string): void {
    const table = result.table;
    const current = this.table;
    if (table === null) {
      this.metrics.countRejected(<i32>result.reason);
      log(LogLevel.Warn, "rejected weight table from " + source + ": " + REJECT_NAMES[<i32>result.reason] +
        (current !== null ? "; keeping version " + current.version.toString() : "; no table in use"));
      return;
    }
    if (current !== null && table.version <= current.version) {
      this.metrics.countIgnoredStale();
      return;
    }
    for (let s = 0; s < table.services.length; s++) {
      const upstreams = unchecked(table.services[s]).upstreams;
      for (let u = 0; u < upstreams.length; u++) {
        const upstream = unchecked(upstreams[u]);
        upstream.decisionSlot = this.metrics.decisionSlot(upstream.name());
      }
    }
    const aggregate = this.aggregate;
    if (aggregate !== null) {
      this.metrics.countDroppedEntries(aggregate.adopt(table));
      this.reportCounts = aggregate.current;
    }
    this.table = table;
    this.metrics.countLoaded();
    log(LogLevel.Info, "using weight table version " + table.version.toString() + " from " + source + " (" +
      table.services.length.toString() + " services, ttl " + table.ttlMs.toString() + " ms)");
  }

  private checkTtl(nowMs: u64): void {
    const table = this.table;
    if (table === null) return;
    let expired = false;
    if (this.config.enforceTtl) {
      const deadline = table.expiresAtMs() + <u64>this.config.ttlGraceMs;
      expired = deadline < table.expiresAtMs() ? false : nowMs > deadline;
    }
    if (expired != this.expired) {
      log(expired ? LogLevel.Warn : LogLevel.Info, "weight table version " + table.version.toString() +
        (expired ? " is past its TTL; requests pass through until a fresh table arrives" : " is fresh"));
    }
    this.expired = expired;
    this.metrics.setTableVersion(table.version);
  }
}
