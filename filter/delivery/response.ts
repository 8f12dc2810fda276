// Reading the controller's answer: the status code and the ETag's version. Pure: bytes in,
// numbers out, 0 for anything malformed (no status is 0 and no table version is 0).

/** The three-digit `:status` value, or 0. */
export function parseStatus(ptr: usize, len: i32): u32 {
  if (len != 3) return 0;
  let status: u32 = 0;
  for (let i = 0; i < 3; i++) {
    const d = <u32>load<u8>(ptr + <usize>i) - 0x30;
    if (d > 9) return 0;
    status = status * 10 + d;
  }
  return status;
}

/** The version an ETag of the form `"<version>"` (or weak, `W/"<version>"`) names, or 0. */
export function parseEtagVersion(ptr: usize, len: i32): u64 {
  let at = 0;
  if (len >= 2 && load<u8>(ptr) == 0x57 && load<u8>(ptr, 1) == 0x2f) at = 2;
  if (len - at < 3 || load<u8>(ptr + <usize>at) != 0x22 || load<u8>(ptr + <usize>(len - 1)) != 0x22) return 0;
  let version: u64 = 0;
  for (let i = at + 1; i < len - 1; i++) {
    const d = <u64>load<u8>(ptr + <usize>i) - 0x30;
    if (d > 9 || version > (u64.MAX_VALUE - d) / 10) return 0;
    version = version * 10 + d;
  }
  return version;
}

/** A `Retry-After` in delta-seconds, in ms (HTTP dates are not used by the controller), or 0. */
export function parseRetryAfterMs(ptr: usize, len: i32): u32 {
  if (len < 1 || len > 6) return 0;
  let seconds: u32 = 0;
  for (let i = 0; i < len; i++) {
    const d = <u32>load<u8>(ptr + <usize>i) - 0x30;
    if (d > 9) return 0;
    seconds = seconds * 10 + d;
  }
  return seconds * 1000;
}
