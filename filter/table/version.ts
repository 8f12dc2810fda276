// The version of a stored table without decoding it: enough to compare what shared data holds
// with a fetched table, and to name it in If-None-Match. Only an intact table has a version.
import { crc32 } from "./crc32";
import { CHECKSUM_SIZE, FORMAT, HEADER_SIZE, MAGIC, MAX_TABLE_BYTES } from "./format";

/** The version of `len` bytes at `ptr` when magic, format, length and checksum are right; else 0. */
export function intactVersion(ptr: usize, len: i32): u64 {
  if (len < HEADER_SIZE + CHECKSUM_SIZE || len > MAX_TABLE_BYTES) return 0;
  if (load<u32>(ptr) != MAGIC || load<u8>(ptr, 4) != FORMAT || load<u32>(ptr, 28) != <u32>len) return 0;
  const end = len - CHECKSUM_SIZE;
  if (crc32(ptr, end) != load<u32>(ptr + <usize>end)) return 0;
  return load<u64>(ptr, 8);
}
