// Entry bundles (c2sp.org/tlog-tiles): entries one after another, each behind a uint16 big-endian
// length. That prefix is why an entry is at most 65,535 bytes.
import { ControllerError, type Parsed } from "../../errors/controller-error.js";

export const MAX_ENTRY_BYTES = 0xffff;

export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_BYTES) throw new RangeError(`entry of ${e.length} bytes exceeds ${MAX_ENTRY_BYTES}`);
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >>> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Splits stored bundle bytes; refuses truncated or trailing bytes, and a count other than `width`. */
export function parseBundle(bytes: Uint8Array, width?: number): Parsed<Uint8Array[]> {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return { error: ControllerError.invalid("bundle", `truncated length prefix at byte ${at}`) };
    const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + length > bytes.length) return { error: ControllerError.invalid("bundle", `entry ${entries.length} runs past the end`) };
    entries.push(bytes.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  if (width !== undefined && entries.length !== width) {
    return { error: ControllerError.invalid("bundle", `holds ${entries.length} entries, expected ${width}`) };
  }
  return { value: entries };
}
