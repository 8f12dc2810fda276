// The filter's metrics: one fixed list defined when a root context starts, plus one decision
// counter per upstream name, defined when a table first names it (names come from the table,
// never from a request). Envoy shows them as `wasmcustom.<name>`; Prometheus without the prefix.
//
// Per-request counts (decisions, pass-throughs) are kept in this VM's memory and handed to the
// host on each tick: a host call per request costs more than the rest of the decision.
//
// Envoy keeps one stat per name for all worker VMs, so table delivery is counted, not set: a
// gauge set to 0 or 1 by each VM would show whichever VM wrote last.
import { MetricType, NO_METRIC, defineMetric, incrementMetric, recordMetric } from "./host";
import { REJECT_COUNT, REJECT_NAMES } from "./table/format";

export const PREFIX = "solar_router.";

/** Why a request left the filter untouched. Values are request-counter slots; names are suffixes. */
export const enum Passthrough {
  NoTable = 0,
  TableExpired = 1,
  NoServiceKey = 2,
  UnknownService = 3,
  NoEligibleUpstream = 4,
}

export const PASSTHROUGH_NAMES: StaticArray<string> = [
  "no_table", "table_expired", "no_service_key", "unknown_service", "no_eligible_upstream",
];

/** Cap on distinct decision counters per root; later names share `decisions.other`. */
const MAX_UPSTREAM_METRICS = 128;
const FIRST_DECISION_SLOT = PASSTHROUGH_NAMES.length;
const OTHER_SLOT = FIRST_DECISION_SLOT + MAX_UPSTREAM_METRICS;
const SLOTS = OTHER_SLOT + 1;

export class Metrics {
  /** Request counters: host metric id and the count not yet handed to the host, per slot. */
  private readonly ids: StaticArray<u32> = new StaticArray<u32>(SLOTS);
  private readonly pending: StaticArray<u64> = new StaticArray<u64>(SLOTS);
  private readonly rejected: StaticArray<u32> = new StaticArray<u32>(REJECT_COUNT);
  private readonly tableVersion: u32;
  private readonly tablesLoaded: u32;
  private readonly tablesIgnoredStale: u32;
  private readonly polls: u32;
  private readonly pollFailures: u32;
  private readonly notModified: u32;
  private readonly tablesFetched: u32;
  private readonly tablesWritten: u32;
  private readonly leaseAcquired: u32;
  private readonly leaseLost: u32;
  private readonly leaseRenewed: u32;
  private readonly leaseHolder: u32;
  private readonly reportsSent: u32;
  private readonly reportsFailed: u32;
  private readonly reportsRefused: u32;
  private readonly reportDroppedEntries: u32;
  private upstreamNames: string[] = [];

  constructor() {
    for (let i = 0; i < PASSTHROUGH_NAMES.length; i++) {
      this.ids[i] = defineMetric(MetricType.Counter, PREFIX + "passthrough." + PASSTHROUGH_NAMES[i]);
    }
    this.ids[OTHER_SLOT] = defineMetric(MetricType.Counter, PREFIX + "decisions.other");
    // Index 0 is "no rejection" and gets no counter.
    this.rejected[0] = NO_METRIC;
    for (let i = 1; i < REJECT_COUNT; i++) {
      this.rejected[i] = defineMetric(MetricType.Counter, PREFIX + "table.rejected." + REJECT_NAMES[i]);
    }
    this.tableVersion = defineMetric(MetricType.Gauge, PREFIX + "table.version");
    this.tablesLoaded = defineMetric(MetricType.Counter, PREFIX + "table.loaded");
    this.tablesIgnoredStale = defineMetric(MetricType.Counter, PREFIX + "table.ignored_stale");
    this.polls = defineMetric(MetricType.Counter, PREFIX + "controller.polls");
    this.pollFailures = defineMetric(MetricType.Counter, PREFIX + "controller.poll_failures");
    this.notModified = defineMetric(MetricType.Counter, PREFIX + "controller.not_modified");
    this.tablesFetched = defineMetric(MetricType.Counter, PREFIX + "controller.tables_fetched");
    this.tablesWritten = defineMetric(MetricType.Counter, PREFIX + "controller.tables_written");
    this.leaseAcquired = defineMetric(MetricType.Counter, PREFIX + "lease.acquired");
    this.leaseLost = defineMetric(MetricType.Counter, PREFIX + "lease.lost");
    this.leaseRenewed = defineMetric(MetricType.Counter, PREFIX + "lease.renewed");
    this.leaseHolder = defineMetric(MetricType.Gauge, PREFIX + "lease.holder");
    this.reportsSent = defineMetric(MetricType.Counter, PREFIX + "report.sent");
    this.reportsFailed = defineMetric(MetricType.Counter, PREFIX + "report.failed");
    this.reportsRefused = defineMetric(MetricType.Counter, PREFIX + "report.refused");
    this.reportDroppedEntries = defineMetric(MetricType.Counter, PREFIX + "report.dropped_entries");
  }

  /** The request-counter slot of an upstream's decision counter, defined on first sight. */
  decisionSlot(name: string): i32 {
    const i = this.upstreamNames.indexOf(name);
    if (i >= 0) return FIRST_DECISION_SLOT + i;
    if (this.upstreamNames.length >= MAX_UPSTREAM_METRICS) return OTHER_SLOT;
    const slot = FIRST_DECISION_SLOT + this.upstreamNames.length;
    this.ids[slot] = defineMetric(MetricType.Counter, PREFIX + "decisions." + name);
    this.upstreamNames.push(name);
    return slot;
  }

  @inline
  countDecision(slot: i32): void {
    unchecked((this.pending[slot] += 1));
  }

  @inline
  countPassthrough(reason: Passthrough): void {
    unchecked((this.pending[<i32>reason] += 1));
  }

  /** Hands the request counts gathered since the last flush to the host. */
  flush(): void {
    for (let slot = 0; slot < SLOTS; slot++) {
      const n = unchecked(this.pending[slot]);
      if (n == 0) continue;
      incrementMetric(unchecked(this.ids[slot]), <i64>n);
      unchecked((this.pending[slot] = 0));
    }
  }

  countLoaded(): void {
    incrementMetric(this.tablesLoaded, 1);
  }

  countIgnoredStale(): void {
    incrementMetric(this.tablesIgnoredStale, 1);
  }

  countRejected(reason: i32): void {
    incrementMetric(unchecked(this.rejected[reason]), 1);
  }

  countPoll(): void {
    incrementMetric(this.polls, 1);
  }

  countPollFailure(): void {
    incrementMetric(this.pollFailures, 1);
  }

  countNotModified(): void {
    incrementMetric(this.notModified, 1);
  }

  countTableFetched(): void {
    incrementMetric(this.tablesFetched, 1);
  }

  countTableWritten(): void {
    incrementMetric(this.tablesWritten, 1);
  }

  /**
   * Lease changes move `lease.holder` by ±1, so across a proxy's VMs it sums to the number of
   * holders (1). A VM that vanishes while holding leaves its +1 behind; `lease.renewed`, one per
   * holder tick, is the signal that cannot go stale: its rate times tick_ms is the holder count.
   */
  countLeaseAcquired(): void {
    incrementMetric(this.leaseAcquired, 1);
    incrementMetric(this.leaseHolder, 1);
  }

  countLeaseLost(): void {
    incrementMetric(this.leaseLost, 1);
    incrementMetric(this.leaseHolder, -1);
  }

  countLeaseRenewed(): void {
    incrementMetric(this.leaseRenewed, 1);
  }

  /** A report the controller accepted (2xx). */
  countReportSent(): void {
    incrementMetric(this.reportsSent, 1);
  }

  /** A report call that failed (no answer, 5xx, another non-4xx status, refused by the host); its counts wait. */
  countReportFailed(): void {
    incrementMetric(this.reportsFailed, 1);
  }

  /** A report the controller refused (4xx); its counts are dropped, never resent. */
  countReportRefused(): void {
    incrementMetric(this.reportsRefused, 1);
  }

  /** Entries whose counts were thrown away undelivered. */
  countDroppedEntries(n: i32): void {
    if (n > 0) incrementMetric(this.reportDroppedEntries, <i64>n);
  }

  /** Several plugin configurations in one VM share this gauge: they normally share one table. */
  setTableVersion(version: u64): void {
    recordMetric(this.tableVersion, version);
  }
}
