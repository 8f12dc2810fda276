// An ordered multi-map of header byte pairs, kept the way Envoy's HeaderMapImpl keeps it: keys
// are lowercased (ASCII only) on the way in, pseudo-headers (":...") stay ahead of regular
// ones, `replace` is remove-all-then-add, `get` returns the first value.
import { bytesOf, text } from "./memory.js";

export type HeaderInput = Iterable<readonly [string | Uint8Array, string | Uint8Array]>;

/** cpp-host PROXY_WASM_HOST_PAIRS_MAX_BYTES / _MAX_COUNT: larger inputs decode as empty. */
const PAIRS_MAX_BYTES = 1024 * 1024;
const PAIRS_MAX_COUNT = 1024;
const COLON = 0x3a;

export function lowerAscii(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    out[i] = c >= 65 && c <= 90 ? c | 32 : c;
  }
  return out;
}

export class HeaderMap {
  // Entries [0, length) are live; slots past `length` are stale (arrays are never shrunk,
  // which keeps resets cheap).
  keys: Uint8Array[] = [];
  values: Uint8Array[] = [];
  length = 0;
  private pseudoCount = 0;

  static from(pairs: HeaderInput): HeaderMap {
    const map = new HeaderMap();
    for (const [k, v] of pairs) map.add(lowerAscii(bytesOf(k)), bytesOf(v));
    return map;
  }

  /** Index of the first entry whose key equals src[off, off+len) lowercased, or -1. */
  find(src: Uint8Array, off: number, len: number): number {
    const keys = this.keys;
    outer: for (let i = 0; i < this.length; i++) {
      const k = keys[i]!;
      if (k.length !== len) continue;
      for (let j = 0; j < len; j++) {
        let c = src[off + j]!;
        if (c >= 65 && c <= 90) c |= 32;
        if (c !== k[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  /** Appends; `key` must already be lowercase and is kept by reference. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (key.length > 0 && key[0] === COLON && this.pseudoCount < this.length) {
      for (let i = this.length; i > this.pseudoCount; i--) {
        this.keys[i] = this.keys[i - 1]!;
        this.values[i] = this.values[i - 1]!;
      }
      this.keys[this.pseudoCount] = key;
      this.values[this.pseudoCount] = value;
    } else {
      this.keys[this.length] = key;
      this.values[this.length] = value;
    }
    if (key.length > 0 && key[0] === COLON) this.pseudoCount++;
    this.length++;
  }

  /** Removes every entry with this (case-insensitive) key; returns how many. */
  remove(src: Uint8Array, off = 0, len = src.length): number {
    let w = 0;
    let removed = 0;
    for (let i = 0; i < this.length; i++) {
      const k = this.keys[i]!;
      if (this.sameKey(k, src, off, len)) {
        removed++;
        if (k.length > 0 && k[0] === COLON) this.pseudoCount--;
        continue;
      }
      this.keys[w] = k;
      this.values[w] = this.values[i]!;
      w++;
    }
    this.length = w;
    return removed;
  }

  /** Envoy's setCopy: drop every entry with the key, then add one. */
  replace(key: Uint8Array, value: Uint8Array): void {
    this.remove(key);
    this.add(key, value);
  }

  clear(): void {
    this.length = 0;
    this.pseudoCount = 0;
  }

  /** Becomes a shallow copy of `other` (entries are shared: they are never mutated in place). */
  copyFrom(other: HeaderMap): void {
    const n = other.length;
    for (let i = 0; i < n; i++) {
      this.keys[i] = other.keys[i]!;
      this.values[i] = other.values[i]!;
    }
    this.length = n;
    this.pseudoCount = other.pseudoCount;
  }

  clone(): HeaderMap {
    const map = new HeaderMap();
    map.copyFrom(this);
    return map;
  }

  /** Envoy's HeaderMap::byteSize(): key and value bytes, no framing. */
  byteSize(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) n += this.keys[i]!.length + this.values[i]!.length;
    return n;
  }

  /** Size of the ABI's serialized pairs: count, sizes, then NUL-terminated keys and values. */
  serializedSize(): number {
    let n = 4;
    for (let i = 0; i < this.length; i++) n += 10 + this.keys[i]!.length + this.values[i]!.length;
    return n;
  }

  serializeInto(u8: Uint8Array, dv: DataView, ptr: number): void {
    const n = this.length;
    dv.setUint32(ptr, n, true);
    let p = ptr + 4;
    for (let i = 0; i < n; i++) {
      dv.setUint32(p, this.keys[i]!.length, true);
      dv.setUint32(p + 4, this.values[i]!.length, true);
      p += 8;
    }
    for (let i = 0; i < n; i++) {
      const k = this.keys[i]!;
      u8.set(k, p);
      p += k.length;
      u8[p++] = 0;
      const v = this.values[i]!;
      u8.set(v, p);
      p += v.length;
      u8[p++] = 0;
    }
  }

  get(name: string): string | undefined {
    const key = bytesOf(name);
    const i = this.find(key, 0, key.length);
    return i < 0 ? undefined : text(this.values[i]!);
  }

  getAll(name: string): string[] {
    const key = lowerAscii(bytesOf(name));
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) {
      if (this.sameKey(this.keys[i]!, key, 0, key.length)) out.push(text(this.values[i]!));
    }
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.length; i++) out.push([text(this.keys[i]!), text(this.values[i]!)]);
    return out;
  }

  private sameKey(k: Uint8Array, src: Uint8Array, off: number, len: number): boolean {
    if (k.length !== len) return false;
    for (let j = 0; j < len; j++) {
      let c = src[off + j]!;
      if (c >= 65 && c <= 90) c |= 32;
      if (c !== k[j]) return false;
    }
    return true;
  }
}

/**
 * Parses serialized pairs as cpp-host's PairsUtil::toPairs does: any malformed input (short,
 * missing NUL, trailing bytes, over the limits) yields no pairs. Returned bytes are copies.
 */
export function decodePairBytes(buf: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const end = buf.length;
  if (end > PAIRS_MAX_BYTES || end < 4) return [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = dv.getUint32(0, true);
  if (count > PAIRS_MAX_COUNT || 4 + count * 8 > end) return [];
  let pos = 4 + count * 8;
  const out: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < count; i++) {
    const klen = dv.getUint32(4 + i * 8, true);
    const vlen = dv.getUint32(8 + i * 8, true);
    if (pos + klen + 1 > end || buf[pos + klen] !== 0) return [];
    const key = buf.slice(pos, pos + klen);
    pos += klen + 1;
    if (pos + vlen + 1 > end || buf[pos + vlen] !== 0) return [];
    const value = buf.slice(pos, pos + vlen);
    pos += vlen + 1;
    out.push([key, value]);
  }
  return pos === end ? out : [];
}

export function decodePairs(buf: Uint8Array): Array<[string, string]> {
  return decodePairBytes(buf).map(([k, v]) => [text(k), text(v)]);
}

/** Serializes pairs as given (no lowercasing): what a guest would pass to the host. */
export function encodePairs(pairs: HeaderInput): Uint8Array {
  const map = new HeaderMap();
  for (const [k, v] of pairs) {
    map.keys.push(bytesOf(k));
    map.values.push(bytesOf(v));
    map.length++;
  }
  const out = new Uint8Array(map.serializedSize());
  map.serializeInto(out, new DataView(out.buffer), 0);
  return out;
}
