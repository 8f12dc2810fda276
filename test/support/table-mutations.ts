// Inputs for fuzzing weight table decoders: random bytes, and valid tables broken by bit flips,
// byte writes, cuts and insertions, half of them resealed (length and checksum repaired) so the
// structural checks past the checksum are reached too. Deterministic for a given seed.
import { crc32 } from "node:zlib";
import { encodeTable } from "../../controller/table/encode.js";
import type { WeightTable } from "../../controller/table/weight-table.js";

/** A small deterministic PRNG (mulberry32) so a failing input can be regenerated from its seed. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

export function randomTable(rand: (n: number) => number, version: bigint): WeightTable {
  const canary = rand(4) === 0;
  const keys = new Set<string>();
  const want = rand(5);
  while (keys.size < want) keys.add(`svc-${rand(50)}.example`);
  return {
    version,
    issuedAtMs: BigInt(1_764_000_000_000 + rand(1_000_000)),
    ttlMs: 1 + rand(120_000),
    canaryBp: canary ? rand(10_001) : null,
    services: [...keys].map((key) => ({
      key,
      upstreams: Array.from({ length: 1 + rand(5) }, (_, i) => ({
        name: `site-${i}`,
        weight: rand(3) === 0 ? 0 : rand(1000),
        canaryWeight: canary ? rand(1000) : 0,
        draining: rand(6) === 0,
      })),
    })),
  };
}

function reseal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 40) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  view.setUint32(28, bytes.length, true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** The i-th fuzz input of a run: valid tables, random junk, and mutated tables. */
export function fuzzInput(rand: (n: number) => number, version: bigint): Uint8Array {
  const kind = rand(10);
  if (kind === 0) return encodeTable(randomTable(rand, version));
  if (kind === 1) return Uint8Array.from({ length: rand(120) }, () => rand(256));
  const bytes = encodeTable(randomTable(rand, version)).slice();
  let out: Uint8Array = bytes;
  const edits = 1 + rand(3);
  for (let e = 0; e < edits; e++) {
    const op = rand(5);
    const at = rand(Math.max(1, out.length));
    if (op === 0) out[at]! ^= 1 << rand(8);
    else if (op === 1) out[at] = [0, 0xff, 0x7f, 0x80, 0x41, 0x20][rand(6)]!;
    else if (op === 2) out = out.slice(0, at);
    else if (op === 3) {
      const insert = Uint8Array.from({ length: 1 + rand(8) }, () => rand(256));
      const grown = new Uint8Array(out.length + insert.length);
      grown.set(out.subarray(0, at));
      grown.set(insert, at);
      grown.set(out.subarray(at), at + insert.length);
      out = grown;
    } else if (out.length > 36) {
      // Header fields are where decoders most often go wrong: hit them directly.
      const field = [5, 6, 8, 24, 32, 34][rand(6)]!;
      out[field] = rand(256);
    }
  }
  return rand(2) === 0 ? reseal(out) : out;
}
