// Constants of report format 1 (docs/reports.md), and the latency buckets responses fall into.

export const MAGIC: u32 = 0x31525253; // "SRR1" read as a little-endian u32
export const FORMAT: u8 = 1;
export const HEADER_SIZE: i32 = 40;
export const CHECKSUM_SIZE: i32 = 4;
export const MAX_REPORT_BYTES: i32 = 1 << 20;
export const MAX_ENTRIES: i32 = 4096;
export const BUCKET_COUNT: i32 = 10;
/** Table version, two length bytes, three counts and the buckets: all of an entry but its names. */
export const ENTRY_FIXED_BYTES: i32 = 8 + 2 + 4 * 3 + 4 * BUCKET_COUNT;

export const REPORT_MEDIA_TYPE = "application/vnd.solar-router.report";

const NANOS_PER_MILLI: u64 = 1000000;

/** Upper bounds of the first nine buckets in ns; the tenth holds everything slower. */
const BOUNDS_NS: StaticArray<u64> = [
  5 * NANOS_PER_MILLI, 10 * NANOS_PER_MILLI, 25 * NANOS_PER_MILLI, 50 * NANOS_PER_MILLI, 100 * NANOS_PER_MILLI,
  250 * NANOS_PER_MILLI, 500 * NANOS_PER_MILLI, 1000 * NANOS_PER_MILLI, 2500 * NANOS_PER_MILLI,
];

/** The bucket of a response that came `latencyNs` after its request headers. */
@inline
export function bucketOf(latencyNs: u64): i32 {
  let b = 0;
  while (b < BUCKET_COUNT - 1 && latencyNs > unchecked(BOUNDS_NS[b])) b++;
  return b;
}
