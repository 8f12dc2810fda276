// Decoder for weight table format 1 (docs/weight-table.md). Untrusted bytes in, a table or the
// first reason to refuse it out, in the order the spec fixes. It must never trap: every read is
// bounds-checked against the checksum offset before it happens.
import { crc32 } from "./crc32";
import {
  CHECKSUM_SIZE, FORMAT, HEADER_SIZE, MAGIC, MAX_CANARY_BP, MAX_KEY_BYTES, MAX_NAME_BYTES,
  MAX_SERVICES, MAX_TABLE_BYTES, MAX_UPSTREAMS, Reject, TABLE_FLAG_CANARY, UPSTREAM_FLAG_DRAINING,
  isKeyByte, isNameByte,
} from "./format";
import { Service, Upstream, WeightTable } from "./weight-table";
import { fnv1a64 } from "../route/hash";

export class DecodeResult {
  constructor(public table: WeightTable | null, public reason: Reject) {}
}

function rejected(reason: Reject): DecodeResult {
  return new DecodeResult(null, reason);
}

/** Decodes `len` bytes at `src`; the bytes are copied, so `src` may be reused afterwards. */
export function decodeTable(src: usize, len: i32): DecodeResult {
  if (len < HEADER_SIZE + CHECKSUM_SIZE) return rejected(Reject.TooShort);
  if (len > MAX_TABLE_BYTES) return rejected(Reject.TooLarge);
  if (load<u32>(src) != MAGIC) return rejected(Reject.BadMagic);
  if (load<u8>(src, 4) != FORMAT) return rejected(Reject.UnsupportedFormat);
  if (load<u32>(src, 28) != <u32>len) return rejected(Reject.LengthMismatch);
  const end = len - CHECKSUM_SIZE;
  if (crc32(src, end) != load<u32>(src + <usize>end)) return rejected(Reject.BadChecksum);

  const flags = load<u8>(src, 5);
  const canaryBp = <i32>load<u16>(src, 6);
  const version = load<u64>(src, 8);
  const issuedAtMs = load<u64>(src, 16);
  const ttlMs = load<u32>(src, 24);
  const serviceCount = <i32>load<u16>(src, 32);
  const canary = (flags & TABLE_FLAG_CANARY) != 0;
  if ((flags & ~TABLE_FLAG_CANARY) != 0) return rejected(Reject.BadHeader);
  if (canaryBp > MAX_CANARY_BP || (!canary && canaryBp != 0)) return rejected(Reject.BadHeader);
  if (version == 0 || ttlMs == 0 || serviceCount > MAX_SERVICES) return rejected(Reject.BadHeader);
  if (load<u16>(src, 34) != 0) return rejected(Reject.BadHeader);

  // Checked: keep a private copy that the decoded table points into.
  const bytes = new ArrayBuffer(len);
  const base = changetype<usize>(bytes);
  memory.copy(base, src, <usize>len);
  const parser = new Parser(base, end, canary);
  const services = new StaticArray<Service>(serviceCount);
  let previous: Service | null = null;
  for (let s = 0; s < serviceCount; s++) {
    const service = parser.service(previous);
    if (service === null) return rejected(parser.reason);
    unchecked((services[s] = service));
    previous = service;
  }
  if (parser.at != end) return rejected(Reject.TrailingBytes);
  return new DecodeResult(
    new WeightTable(bytes, version, issuedAtMs, ttlMs, canary, <u32>canaryBp, services),
    Reject.None,
  );
}

class Parser {
  at: i32 = HEADER_SIZE;
  reason: Reject = Reject.None;

  constructor(private base: usize, private end: i32, private canary: bool) {}

  private has(n: i32): bool {
    if (this.at + n <= this.end) return true;
    this.reason = Reject.Truncated;
    return false;
  }

  private u8(): u32 {
    const v = <u32>load<u8>(this.base + <usize>this.at);
    this.at += 1;
    return v;
  }

  private u32(): u32 {
    const v = load<u32>(this.base + <usize>this.at);
    this.at += 4;
    return v;
  }

  private fail(reason: Reject): Service | null {
    this.reason = reason;
    return null;
  }

  service(previous: Service | null): Service | null {
    if (!this.has(1)) return null;
    const keyLen = <i32>this.u8();
    if (!this.has(keyLen)) return null;
    const keyPtr = this.base + <usize>this.at;
    if (keyLen < 1 || keyLen > MAX_KEY_BYTES || !allBytes(keyPtr, keyLen, true)) return this.fail(Reject.BadServiceKey);
    this.at += keyLen;
    if (previous !== null && compare(previous.keyPtr, previous.keyLen, keyPtr, keyLen) >= 0) {
      return this.fail(Reject.ServiceOrder);
    }
    if (!this.has(1)) return null;
    const count = <i32>this.u8();
    if (count < 1 || count > MAX_UPSTREAMS) return this.fail(Reject.BadUpstreamCount);

    const upstreams = new StaticArray<Upstream>(count);
    const cumulative = new StaticArray<u32>(count);
    const cumulativeCanary = new StaticArray<u32>(count);
    let total: u64 = 0;
    let canaryTotal: u64 = 0;
    let overflow = false;
    for (let u = 0; u < count; u++) {
      if (!this.has(1)) return null;
      const nameLen = <i32>this.u8();
      if (!this.has(nameLen)) return null;
      const namePtr = this.base + <usize>this.at;
      if (nameLen < 1 || nameLen > MAX_NAME_BYTES || !allBytes(namePtr, nameLen, false)) {
        return this.fail(Reject.BadUpstreamName);
      }
      this.at += nameLen;
      for (let v = 0; v < u; v++) {
        const other = unchecked(upstreams[v]);
        if (other.nameLen == nameLen && memory.compare(other.namePtr, namePtr, <usize>nameLen) == 0) {
          return this.fail(Reject.DuplicateUpstream);
        }
      }
      if (!this.has(this.canary ? 9 : 5)) return null;
      const weight = this.u32();
      const canaryWeight = this.canary ? this.u32() : 0;
      const flags = this.u8();
      if ((flags & ~(<u32>UPSTREAM_FLAG_DRAINING)) != 0) return this.fail(Reject.BadUpstreamFlags);
      const draining = (flags & UPSTREAM_FLAG_DRAINING) != 0;
      // The format bounds the declared sums; effective (non-draining) sums are never larger.
      total += <u64>weight;
      canaryTotal += <u64>canaryWeight;
      if (total > <u64>u32.MAX_VALUE || canaryTotal > <u64>u32.MAX_VALUE) overflow = true;
      unchecked((upstreams[u] = new Upstream(
        namePtr, nameLen, draining ? 0 : weight, draining ? 0 : canaryWeight, draining, fnv1a64(namePtr, nameLen),
      )));
    }
    if (overflow) return this.fail(Reject.WeightOverflow);

    let running: u32 = 0;
    let runningCanary: u32 = 0;
    for (let u = 0; u < count; u++) {
      const upstream = unchecked(upstreams[u]);
      running += upstream.weight;
      runningCanary += upstream.canaryWeight;
      unchecked((cumulative[u] = running));
      unchecked((cumulativeCanary[u] = runningCanary));
    }
    return new Service(
      keyPtr, keyLen, fnv1a64(keyPtr, keyLen), upstreams, cumulative, cumulativeCanary, running, runningCanary,
    );
  }
}

function allBytes(ptr: usize, len: i32, key: bool): bool {
  for (let i = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + <usize>i);
    if (key ? !isKeyByte(b) : !isNameByte(b)) return false;
  }
  return true;
}

function compare(a: usize, aLen: i32, b: usize, bLen: i32): i32 {
  const n = aLen < bLen ? aLen : bLen;
  const d = memory.compare(a, b, <usize>n);
  return d != 0 ? d : aLen - bLen;
}
