// The VM's shared key-value store with cpp-host's compare-and-swap rules (src/shared_data.cc):
// a set with cas 0 always writes; a non-zero cas must equal the stored one or nothing is
// written (CAS_MISMATCH); every write takes the next value of one store-wide counter that
// starts at 1 and skips 0. Keys are bytes, looked up straight from guest memory.
import { WasmResult } from "./abi.js";
import { bytesOf, text } from "./memory.js";

export interface SharedEntry {
  key: Uint8Array;
  value: Uint8Array;
  cas: number;
}

export interface SharedValue {
  value: Uint8Array;
  text: string;
  cas: number;
}

function hashBytes(src: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ src[off + i]!, 0x01000193);
  return h >>> 0;
}

function equalBytes(a: Uint8Array, src: Uint8Array, off: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== src[off + i]) return false;
  return true;
}

export class SharedData {
  private readonly buckets = new Map<number, SharedEntry[]>();
  private nextCasValue = 1;
  private count = 0;

  private nextCas(): number {
    const cas = this.nextCasValue;
    this.nextCasValue = (this.nextCasValue + 1) >>> 0;
    if (this.nextCasValue === 0) this.nextCasValue = 1;
    return cas;
  }

  /** The entry for key src[off, off+len), without copying the key. */
  lookup(src: Uint8Array, off: number, len: number): SharedEntry | undefined {
    const bucket = this.buckets.get(hashBytes(src, off, len));
    if (bucket === undefined) return undefined;
    for (const e of bucket) if (equalBytes(e.key, src, off, len)) return e;
    return undefined;
  }

  /** Writes `value` (kept by reference) under key src[off, off+len) if `cas` allows it. */
  store(src: Uint8Array, off: number, len: number, value: Uint8Array, cas: number): WasmResult {
    const h = hashBytes(src, off, len);
    let bucket = this.buckets.get(h);
    const existing = bucket?.find((e) => equalBytes(e.key, src, off, len));
    if (existing !== undefined) {
      if (cas !== 0 && cas !== existing.cas) return WasmResult.CasMismatch;
      existing.value = value;
      existing.cas = this.nextCas();
      return WasmResult.Ok;
    }
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(h, bucket);
    }
    bucket.push({ key: src.slice(off, off + len), value, cas: this.nextCas() });
    this.count++;
    return WasmResult.Ok;
  }

  /** Test-side read; undefined when the key is missing (the guest gets NOT_FOUND). */
  get(key: string | Uint8Array): SharedValue | undefined {
    const k = bytesOf(key);
    const e = this.lookup(k, 0, k.length);
    return e === undefined ? undefined : { value: e.value.slice(), text: text(e.value), cas: e.cas };
  }

  /** Test-side write with the same CAS rules the guest gets. */
  set(key: string | Uint8Array, value: string | Uint8Array, cas = 0): WasmResult {
    const k = bytesOf(key);
    return this.store(k, 0, k.length, bytesOf(value).slice(), cas);
  }

  keys(): string[] {
    const out: string[] = [];
    for (const bucket of this.buckets.values()) for (const e of bucket) out.push(text(e.key));
    return out.sort();
  }

  get size(): number {
    return this.count;
  }
}
