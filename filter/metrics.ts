// The filter's metrics: one fixed list defined when a root context starts, plus one decision
// counter per upstream name, defined when a table first names it (names come from the table,
// never from a request). Envoy shows them as `wasmcustom.<name>`; Prometheus without the prefix.
import { MetricType, NO_METRIC, defineMetric, incrementMetric, recordMetric } from "./host";
import { REJECT_COUNT, REJECT_NAMES } from "./table/format";

export const PREFIX = "solar_router.";

/** Why a request left the filter untouched. Names are metric suffixes. */
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

/** Cap on distinct decision counters per VM; later names share the `other` counter. */
const MAX_UPSTREAM_METRICS = 128;

export class Metrics {
  readonly passthrough: StaticArray<u32> = new StaticArray<u32>(PASSTHROUGH_NAMES.length);
  readonly rejected: StaticArray<u32> = new StaticArray<u32>(REJECT_COUNT);
  readonly tableVersion: u32;
  readonly tablesLoaded: u32;
  readonly tablesIgnoredStale: u32;
  readonly decisionsOther: u32;
  private upstreamNames: string[] = [];
  private upstreamIds: u32[] = [];

  constructor() {
    for (let i = 0; i < PASSTHROUGH_NAMES.length; i++) {
      this.passthrough[i] = defineMetric(MetricType.Counter, PREFIX + "passthrough." + PASSTHROUGH_NAMES[i]);
    }
    // Index 0 is "no rejection" and gets no counter.
    this.rejected[0] = NO_METRIC;
    for (let i = 1; i < REJECT_COUNT; i++) {
      this.rejected[i] = defineMetric(MetricType.Counter, PREFIX + "table.rejected." + REJECT_NAMES[i]);
    }
    this.tableVersion = defineMetric(MetricType.Gauge, PREFIX + "table.version");
    this.tablesLoaded = defineMetric(MetricType.Counter, PREFIX + "table.loaded");
    this.tablesIgnoredStale = defineMetric(MetricType.Counter, PREFIX + "table.ignored_stale");
    this.decisionsOther = defineMetric(MetricType.Counter, PREFIX + "decisions.other");
  }

  /** The decision counter for an upstream name, defined on first sight. */
  decisionCounter(name: string): u32 {
    const i = this.upstreamNames.indexOf(name);
    if (i >= 0) return unchecked(this.upstreamIds[i]);
    if (this.upstreamNames.length >= MAX_UPSTREAM_METRICS) return this.decisionsOther;
    const id = defineMetric(MetricType.Counter, PREFIX + "decisions." + name);
    this.upstreamNames.push(name);
    this.upstreamIds.push(id);
    return id;
  }

  @inline
  countPassthrough(reason: Passthrough): void {
    incrementMetric(unchecked(this.passthrough[<i32>reason]), 1);
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

  /** Several plugin configurations in one VM share this gauge: they normally share one table. */
  setTableVersion(version: u64): void {
    recordMetric(this.tableVersion, version);
  }
}
