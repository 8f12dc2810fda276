// A decoded weight table, laid out for the request path: services in an open-addressed index
// keyed by a case-folded hash, upstreams with their running weight sums. Names and keys point
// into the table's own copy of the bytes, so nothing is copied per request.
import { equalsFolded, fnv1a64Folded } from "../route/hash";

export class Upstream {
  /** Request-counter slot of this upstream's decision counter; assigned when the table is adopted. */
  decisionSlot: i32 = 0;
  /** Offset of this upstream's report counters; assigned when reports count the table (report/aggregate.ts). */
  reportOffset: i32 = 0;

  constructor(
    public namePtr: usize,
    public nameLen: i32,
    /** Effective weights: 0 when draining. */
    public weight: u32,
    public canaryWeight: u32,
    public draining: bool,
    public nameHash: u64,
  ) {}

  name(): string {
    return String.UTF8.decodeUnsafe(this.namePtr, <usize>this.nameLen);
  }
}

export class Service {
  constructor(
    public keyPtr: usize,
    public keyLen: i32,
    public keyHash: u64,
    public upstreams: StaticArray<Upstream>,
    /** Running sums of effective weights, one per upstream. */
    public cumulative: StaticArray<u32>,
    public cumulativeCanary: StaticArray<u32>,
    public total: u32,
    public canaryTotal: u32,
  ) {}
}

export class WeightTable {
  private slots: StaticArray<i32>;
  private mask: u32;

  constructor(
    /** Owns the memory that keys and names point into. */
    public bytes: ArrayBuffer,
    public version: u64,
    public issuedAtMs: u64,
    public ttlMs: u32,
    public hasCanary: bool,
    public canaryBp: u32,
    public services: StaticArray<Service>,
  ) {
    let size: i32 = 2;
    while (size < services.length * 2) size <<= 1;
    const mask = <u32>(size - 1);
    const slots = new StaticArray<i32>(size);
    for (let i = 0; i < size; i++) unchecked((slots[i] = -1));
    for (let s = 0; s < services.length; s++) {
      let i = <u32>unchecked(services[s]).keyHash & mask;
      while (unchecked(slots[i]) >= 0) i = (i + 1) & mask;
      unchecked((slots[i] = s));
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** The service whose key equals `len` bytes at `ptr`, compared case-insensitively. */
  find(ptr: usize, len: i32): Service | null {
    const hash = fnv1a64Folded(ptr, len);
    let i = <u32>hash & this.mask;
    while (true) {
      const s = unchecked(this.slots[i]);
      if (s < 0) return null;
      const service = unchecked(this.services[s]);
      if (service.keyHash == hash && service.keyLen == len && equalsFolded(ptr, service.keyPtr, len)) {
        return service;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Unix ms after which the table is stale (saturating). */
  expiresAtMs(): u64 {
    const at = this.issuedAtMs + <u64>this.ttlMs;
    return at < this.issuedAtMs ? u64.MAX_VALUE : at;
  }
}
