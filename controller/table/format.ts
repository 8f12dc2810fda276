// Constants of weight table format 1 (docs/weight-table.md). The AssemblyScript decoder keeps
// its own copy in filter/table/format.ts; the golden vectors keep the two honest.

export const MAGIC = Uint8Array.of(0x53, 0x57, 0x54, 0x31); // "SWT1"
export const FORMAT = 1;
export const HEADER_SIZE = 36;
export const CHECKSUM_SIZE = 4;
export const MAX_TABLE_BYTES = 1 << 20;
export const MAX_SERVICES = 1024;
export const MAX_KEY_BYTES = 253;
export const MAX_UPSTREAMS = 64;
export const MAX_NAME_BYTES = 64;
export const MAX_CANARY_BP = 10_000;
export const MAX_WEIGHT_SUM = 0xffff_ffff;

export const TABLE_FLAG_CANARY = 0x01;
export const UPSTREAM_FLAG_DRAINING = 0x01;

/** Why a decoder refused a table. The numbers are part of the format; names are metric suffixes. */
export const REJECT_REASONS = [
  "too_short",
  "too_large",
  "bad_magic",
  "unsupported_format",
  "length_mismatch",
  "bad_checksum",
  "bad_header",
  "truncated",
  "bad_service_key",
  "service_order",
  "bad_upstream_count",
  "bad_upstream_name",
  "duplicate_upstream",
  "bad_upstream_flags",
  "weight_overflow",
  "trailing_bytes",
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** The format's numeric code of a reason (1-based, as in the spec). */
export function reasonCode(reason: RejectReason): number {
  return REJECT_REASONS.indexOf(reason) + 1;
}

/** Service keys: visible ASCII, no upper case (request values are folded before lookup). */
export function isKeyByte(b: number): boolean {
  return b >= 0x21 && b <= 0x7e && !(b >= 0x41 && b <= 0x5a);
}

/** Upstream names: the characters a header value and a route match can carry verbatim. */
export function isNameByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}
