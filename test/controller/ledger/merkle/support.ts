// Shared helpers for the merkle tests: deterministic leaves and randomness, so failures replay.

import { hashLeaf } from "../../../../controller/ledger/merkle/hash.js";

/** Leaf hashes of entries "entry-0", "entry-1", … */
export function leafHashes(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => hashLeaf(new TextEncoder().encode(`entry-${i}`)));
}

/** mulberry32: a small seeded generator; returns integers in [0, bound). */
export function seeded(seed: number): (bound: number) => number {
  let a = seed >>> 0;
  return (bound) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}

/** A copy of `bytes` with one bit flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[Math.floor(bit / 8) % out.length]! ^= 1 << bit % 8;
  return out;
}
