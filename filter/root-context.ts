// A root context: one per plugin configuration in each worker's VM. It holds the validated
// configuration and the decoded table in this VM's memory, and refreshes the table on every tick
// from proxy shared data, decoding only when the shared value's CAS changed. Everything here
// runs off the request path.
import { HostBytes, LogLevel, getSharedData, log, nowNanos, valueCas, valueLen, valuePtr } from "./host";
import { Metrics } from "./metrics";
import { PluginConfig } from "./config/plugin-config";
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
  private readonly sharedDataKey: HostBytes;
  private sharedCas: u32 = 0;
  private sharedSeen: bool = false;

  constructor(public readonly id: u32, public readonly config: PluginConfig) {
    this.metrics = new Metrics();
    this.upstreamHeader = new HostBytes(config.upstreamHeader);
    this.serviceHeader = new HostBytes(config.serviceHeader);
    this.serviceIsAuthority = config.serviceHeader == ":authority";
    this.stickyHeader = config.stickyHeader.length > 0 ? new HostBytes(config.stickyHeader) : null;
    this.shadow = config.shadow;
    this.stripInboundHeader = config.stripInboundHeader && !config.shadow;
    this.sharedDataKey = new HostBytes(config.sharedDataKey);
    const initial = config.staticTable;
    if (initial !== null) {
      this.adopt(decodeTable(initial.dataStart, initial.byteLength), "static_table");
    }
    this.refresh();
  }

  /** On every tick: hand over request counts, pick up a newer shared table, re-check the TTL. */
  refresh(): void {
    this.metrics.flush();
    if (getSharedData(this.sharedDataKey) && (!this.sharedSeen || valueCas != this.sharedCas)) {
      this.sharedSeen = true;
      this.sharedCas = valueCas;
      this.adopt(decodeTable(valuePtr, valueLen), "shared data");
    }
    this.checkTtl(nowNanos() / NANOS_PER_MILLI);
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
