// Report format 1 (docs/reports.md): which entries a report carries, and its bytes. Pure: counts
// in, bytes out. A report carries every entry with counts, up to 4096 entries and 1 MiB; what does
// not fit waits for the next report, which starts where this one stopped, so nothing starves.
// Once the report is answered, settle() takes what it carried off the counts (delivered, or
// refused and so never sent again) or leaves it there for the next report (failed).
import { crc32 } from "../table/crc32";
import { STRIDE, TableCounts } from "./aggregate";
import { BUCKET_COUNT, CHECKSUM_SIZE, ENTRY_FIXED_BYTES, FORMAT, HEADER_SIZE, MAGIC, MAX_ENTRIES, MAX_REPORT_BYTES } from "./format";

const COUNTS_BYTES: i32 = STRIDE * 4;

export class ReportEncoder {
  /** The last report: its first `length` bytes. Reused, so reports allocate only to grow it. */
  buffer: ArrayBuffer = new ArrayBuffer(0);
  length: i32 = 0;
  entryCount: i32 = 0;
  /** The last report left entries with counts out for lack of room. */
  truncated: bool = false;
  /** Where the next report starts, over the kept tables' entries in order. */
  private cursor: i32 = 0;
  /** Per entry of the last report: its table, its index there, and where its counts sit in `buffer`. */
  private readonly entryTables: StaticArray<TableCounts | null> = new StaticArray<TableCounts | null>(MAX_ENTRIES);
  private readonly entryIndexes: StaticArray<i32> = new StaticArray<i32>(MAX_ENTRIES);
  private readonly countsAt: StaticArray<i32> = new StaticArray<i32>(MAX_ENTRIES);
  private readonly tables: TableCounts[] = [];

  /**
   * Encodes the entries with counts of `kept` (oldest table first) into `buffer`; returns the
   * report's length, 0 when there is nothing to report. Until settle(), the tables are in flight.
   */
  encode(kept: TableCounts[], reporter: u64, windowStartMs: u64, windowEndMs: u64): i32 {
    this.select(kept);
    if (this.entryCount == 0) return 0;
    if (this.buffer.byteLength < this.length) {
      const doubled = this.buffer.byteLength << 1;
      this.buffer = new ArrayBuffer(doubled > this.length ? doubled : this.length);
    }
    const base = changetype<usize>(this.buffer);
    store<u32>(base, MAGIC);
    store<u8>(base, FORMAT, 4);
    store<u8>(base, 0, 5); // flags
    store<u16>(base, <u16>this.entryCount, 6);
    store<u64>(base, reporter, 8);
    store<u64>(base, windowStartMs, 16);
    store<u64>(base, windowEndMs, 24);
    store<u32>(base, <u32>this.length, 32);
    store<u16>(base, <u16>BUCKET_COUNT, 36);
    store<u16>(base, 0, 38); // reserved
    let at = base + <usize>HEADER_SIZE;
    for (let n = 0; n < this.entryCount; n++) {
      const counts = changetype<TableCounts>(unchecked(this.entryTables[n]));
      const i = unchecked(this.entryIndexes[n]);
      const service = unchecked(counts.services[i]);
      const upstream = unchecked(counts.upstreams[i]);
      store<u64>(at, counts.version);
      at += 8;
      at = writeName(at, service.keyPtr, service.keyLen);
      at = writeName(at, upstream.namePtr, upstream.nameLen);
      // The counters are u32 in the report's order, and Wasm memory is little-endian.
      memory.copy(at, changetype<usize>(counts.counts) + (<usize>(i * STRIDE) << 2), <usize>COUNTS_BYTES);
      at += <usize>COUNTS_BYTES;
    }
    const end = this.length - CHECKSUM_SIZE;
    store<u32>(base + <usize>end, crc32(base, end));
    return this.length;
  }

  /**
   * After the answer to the last report: with `remove` its counts come off their tables,
   * otherwise they stay for the next report. Returns the entries with counts left in tables
   * retired meanwhile, which are dropped now.
   */
  settle(remove: bool): i32 {
    const base = changetype<usize>(this.buffer);
    for (let n = 0; n < this.entryCount; n++) {
      const counts = changetype<TableCounts>(unchecked(this.entryTables[n]));
      unchecked((this.entryTables[n] = null));
      if (!remove) continue;
      const from = base + <usize>unchecked(this.countsAt[n]);
      const to = changetype<usize>(counts.counts) + (<usize>(unchecked(this.entryIndexes[n]) * STRIDE) << 2);
      // Counting only adds, so what was sent is still there to subtract.
      for (let f = 0; f < STRIDE; f++) {
        const field = to + (<usize>f << 2);
        store<u32>(field, load<u32>(field) - load<u32>(from + (<usize>f << 2)));
      }
    }
    let dropped = 0;
    for (let t = 0; t < this.tables.length; t++) {
      const counts = unchecked(this.tables[t]);
      counts.inFlight = false;
      if (counts.retired) dropped += counts.clear();
    }
    this.tables.length = 0;
    return dropped;
  }

  /** Chooses the entries, from the cursor on, and lays them out: sets entryCount, length, truncated. */
  private select(kept: TableCounts[]): void {
    this.entryCount = 0;
    this.truncated = false;
    let total = 0;
    for (let t = 0; t < kept.length; t++) total += unchecked(kept[t]).entryCount;
    const start = this.cursor < total ? this.cursor : 0;
    this.cursor = 0;
    let size = HEADER_SIZE;
    for (let k = 0; k < total; k++) {
      let i = start + k < total ? start + k : start + k - total;
      const g = i;
      let t = 0;
      while (i >= unchecked(kept[t]).entryCount) i -= unchecked(kept[t++]).entryCount;
      const counts = unchecked(kept[t]);
      if (!counts.hasCounts(i)) continue;
      const entrySize = ENTRY_FIXED_BYTES + unchecked(counts.services[i]).keyLen + unchecked(counts.upstreams[i]).nameLen;
      if (this.entryCount == MAX_ENTRIES || size + entrySize + CHECKSUM_SIZE > MAX_REPORT_BYTES) {
        this.truncated = true;
        this.cursor = g;
        break;
      }
      const n = this.entryCount++;
      unchecked((this.entryTables[n] = counts));
      unchecked((this.entryIndexes[n] = i));
      unchecked((this.countsAt[n] = size + entrySize - COUNTS_BYTES));
      size += entrySize;
      if (!counts.inFlight) {
        counts.inFlight = true;
        this.tables.push(counts);
      }
    }
    this.length = size + CHECKSUM_SIZE;
  }
}

function writeName(at: usize, ptr: usize, len: i32): usize {
  store<u8>(at, <u8>len);
  memory.copy(at + 1, ptr, <usize>len);
  return at + 1 + <usize>len;
}
