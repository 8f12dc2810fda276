// Constants of weight table format 1 (docs/weight-table.md), mirrored from
// controller/table/format.ts; the shared golden vectors keep both sides in step.

export const MAGIC: u32 = 0x31545753; // "SWT1" read as a little-endian u32
export const FORMAT: u8 = 1;
export const HEADER_SIZE: i32 = 36;
export const CHECKSUM_SIZE: i32 = 4;
export const MAX_TABLE_BYTES: i32 = 1 << 20;
export const MAX_SERVICES: i32 = 1024;
export const MAX_KEY_BYTES: i32 = 253;
export const MAX_UPSTREAMS: i32 = 64;
export const MAX_NAME_BYTES: i32 = 64;
export const MAX_CANARY_BP: i32 = 10000;

export const TABLE_FLAG_CANARY: u8 = 0x01;
export const UPSTREAM_FLAG_DRAINING: u8 = 0x01;

// Reject reasons: codes from the spec, names used as metric suffixes.
export const enum Reject {
  None = 0,
  TooShort = 1,
  TooLarge = 2,
  BadMagic = 3,
  UnsupportedFormat = 4,
  LengthMismatch = 5,
  BadChecksum = 6,
  BadHeader = 7,
  Truncated = 8,
  BadServiceKey = 9,
  ServiceOrder = 10,
  BadUpstreamCount = 11,
  BadUpstreamName = 12,
  DuplicateUpstream = 13,
  BadUpstreamFlags = 14,
  WeightOverflow = 15,
  TrailingBytes = 16,
}

export const REJECT_COUNT: i32 = 17;

export const REJECT_NAMES: StaticArray<string> = [
  "none", "too_short", "too_large", "bad_magic", "unsupported_format", "length_mismatch",
  "bad_checksum", "bad_header", "truncated", "bad_service_key", "service_order",
  "bad_upstream_count", "bad_upstream_name", "duplicate_upstream", "bad_upstream_flags",
  "weight_overflow", "trailing_bytes",
];

// Visible ASCII without upper case: request values are folded to lower case before lookup.
@inline
export function isKeyByte(b: u32): bool {
  return b >= 0x21 && b <= 0x7e && !(b >= 0x41 && b <= 0x5a);
}

// What a header value and a route match carry verbatim: [A-Za-z0-9._~-].
@inline
export function isNameByte(b: u32): bool {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b == 0x2d || b == 0x2e || b == 0x5f || b == 0x7e;
}
