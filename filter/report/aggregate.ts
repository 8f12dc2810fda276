// What a worker counts for its reports: per (table version, service, upstream) the requests routed
// there and the responses seen, with 5xx and latency buckets. Each adopted table gets one fixed
// array of counters, allocated when the table is adopted, so counting is an increment at an
// offset the table's Upstream carries. Counts stay with the table they were made by; the table in
// use and the one before it are kept, older ones dropped (their undelivered entries counted).
import { BUCKET_COUNT, bucketOf } from "./format";
import { Service, Upstream, WeightTable } from "../table/weight-table";

/** Counter layout of one entry, in the order the report carries them. */
export const REQUESTS: i32 = 0;
export const RESPONSES: i32 = 1;
export const RESPONSES_5XX: i32 = 2;
export const FIRST_BUCKET: i32 = 3;
export const STRIDE: i32 = FIRST_BUCKET + BUCKET_COUNT;

/** Tables whose counts are kept: the one in use and its predecessor (responses still arriving). */
export const KEPT_TABLES: i32 = 2;

/** Past this, a counter could wrap before the next attempt (u32 counters), so it is dropped first. */
const OVERFLOW_GUARD: u32 = 1 << 31;

export class TableCounts {
  /** STRIDE counters per entry; entry i is the i-th upstream in table order. */
  readonly counts: StaticArray<u32>;
  readonly services: StaticArray<Service>;
  readonly upstreams: StaticArray<Upstream>;
  /** No longer kept: whatever it still holds once its report is answered is dropped. */
  retired: bool = false;
  /** Some of its counts are in the report in flight. */
  inFlight: bool = false;

  constructor(readonly table: WeightTable) {
    let n = 0;
    for (let s = 0; s < table.services.length; s++) n += unchecked(table.services[s]).upstreams.length;
    const services = new StaticArray<Service>(n);
    const upstreams = new StaticArray<Upstream>(n);
    let i = 0;
    for (let s = 0; s < table.services.length; s++) {
      const service = unchecked(table.services[s]);
      for (let u = 0; u < service.upstreams.length; u++) {
        const upstream = unchecked(service.upstreams[u]);
        upstream.reportOffset = i * STRIDE;
        unchecked((services[i] = service));
        unchecked((upstreams[i] = upstream));
        i++;
      }
    }
    this.services = services;
    this.upstreams = upstreams;
    this.counts = new StaticArray<u32>(n * STRIDE);
  }

  get version(): u64 {
    return this.table.version;
  }

  get entryCount(): i32 {
    return this.upstreams.length;
  }

  @inline
  countRequest(offset: i32): void {
    unchecked((this.counts[offset + REQUESTS] += 1));
  }

  @inline
  countResponse(offset: i32, status: u32, latencyNs: u64): void {
    const counts = this.counts;
    unchecked((counts[offset + RESPONSES] += 1));
    if (status >= 500 && status <= 599) unchecked((counts[offset + RESPONSES_5XX] += 1));
    unchecked((counts[offset + FIRST_BUCKET + bucketOf(latencyNs)] += 1));
  }

  /** Whether entry `i` has anything to report (5xx and buckets imply responses). */
  @inline
  hasCounts(i: i32): bool {
    const at = i * STRIDE;
    return (unchecked(this.counts[at + REQUESTS]) | unchecked(this.counts[at + RESPONSES])) != 0;
  }

  /** Entries with counts. */
  pendingEntries(): i32 {
    let n = 0;
    for (let i = 0; i < this.entryCount; i++) if (this.hasCounts(i)) n++;
    return n;
  }

  /** Zeroes every counter; returns how many entries had counts. */
  clear(): i32 {
    const n = this.pendingEntries();
    memory.fill(changetype<usize>(this.counts), 0, <usize>this.counts.length << 2);
    return n;
  }

  /** Zeroes the entries whose requests or responses reached OVERFLOW_GUARD; returns how many. */
  clearOverflowing(): i32 {
    let n = 0;
    for (let i = 0; i < this.entryCount; i++) {
      const at = i * STRIDE;
      if (unchecked(this.counts[at + REQUESTS]) < OVERFLOW_GUARD && unchecked(this.counts[at + RESPONSES]) < OVERFLOW_GUARD) {
        continue;
      }
      memory.fill(changetype<usize>(this.counts) + (<usize>at << 2), 0, <usize>STRIDE << 2);
      n++;
    }
    return n;
  }
}

/** The kept tables' counts, oldest first; the last one is the table in use. */
export class Aggregate {
  readonly kept: TableCounts[] = [];

  /** Counts of the table in use, for the request path; null before the first table. */
  get current(): TableCounts | null {
    const n = this.kept.length;
    return n > 0 ? unchecked(this.kept[n - 1]) : null;
  }

  /**
   * Starts counting for a newly adopted table. Returns the entries with counts dropped because
   * the oldest kept table gave way (if its report is in flight, they are settled with the answer).
   */
  adopt(table: WeightTable): i32 {
    let dropped = 0;
    if (this.kept.length >= KEPT_TABLES) {
      const oldest = this.kept.shift();
      oldest.retired = true;
      if (!oldest.inFlight) dropped = oldest.clear();
    }
    this.kept.push(new TableCounts(table));
    return dropped;
  }

  /** The kept counts of table `version`, or null (a response to a request under an older table). */
  find(version: u64): TableCounts | null {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const counts = unchecked(this.kept[i]);
      if (counts.version == version) return counts;
    }
    return null;
  }

  /** Guards against wrapping: see OVERFLOW_GUARD. Returns the entries dropped. */
  clearOverflowing(): i32 {
    let n = 0;
    for (let i = 0; i < this.kept.length; i++) n += unchecked(this.kept[i]).clearOverflowing();
    return n;
  }
}
