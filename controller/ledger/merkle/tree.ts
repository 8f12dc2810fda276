// Tree shape and roots (RFC 9162 §2.1.1). A node is named by (level, index): level 0 holds the leaf
// hashes, and node (l, i) is the perfect subtree over leaves [i·2^l, (i+1)·2^l). Sizes are plain
// numbers: a log never nears 2^53 entries, and callers validate sizes from the outside world.
// Division stands in for bit shifts, which JavaScript truncates to 32 bits.

import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { HASH_SIZE, copyHash, emptyRoot, hashChildren } from "./hash.js";

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Returns the hash of a perfect subtree; how it finds it (memory, tiles) is up to the caller. */
export type NodeSource = (level: number, index: number) => Uint8Array;

/** Told about every perfect node as it becomes complete, leaves included: what tiles are made of. */
export type NodeVisitor = (level: number, index: number, hash: Uint8Array) => void;

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Leaves covered by node (level, index): [begin, end). */
export function nodeSpan(node: NodeId): { readonly begin: number; readonly end: number } {
  const width = 2 ** node.level;
  return { begin: node.index * width, end: (node.index + 1) * width };
}

/**
 * The fewest perfect subtrees covering leaves [begin, end), left to right. For the ranges a Merkle
 * tree is built from (the whole tree, or the right part of any split) these shrink left to right,
 * and folding their hashes from the right gives the range's MTH.
 */
export function perfectNodes(begin: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = begin;
  while (at < end) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    nodes.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return nodes;
}

/** Combines perfect-subtree hashes (as from perfectNodes) into the hash of the range they cover. */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i] as Uint8Array, acc);
  return acc;
}

/** MTH(D[0:n]) straight from the definition: for one-off roots. Logs grow a CompactRange instead. */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot();
  const mth = (begin: number, end: number): Uint8Array => {
    if (end - begin === 1) return leafHashes[begin] as Uint8Array;
    const k = splitPoint(end - begin);
    return hashChildren(mth(begin, begin + k), mth(begin + k, end));
  };
  return mth(0, leafHashes.length);
}

/**
 * The right edge of a tree: one hash per perfect subtree of perfectNodes(0, size). Appending a leaf
 * merges equal-sized subtrees, so k appends cost O(k + log n) hashes and the root for the current
 * size is a fold of at most 64 hashes.
 */
export class CompactRange {
  private constructor(
    private count: number,
    private readonly stack: Uint8Array[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Rebuilds the range for `size` from the hashes of perfectNodes(0, size), left to right. */
  static restore(size: number, hashes: readonly Uint8Array[]): Parsed<CompactRange> {
    if (!Number.isSafeInteger(size) || size < 0) {
      return { error: ControllerError.invalid("size", `must be a non-negative safe integer, got ${size}`) };
    }
    const want = perfectNodes(0, size).length;
    if (hashes.length !== want) {
      return { error: ControllerError.invalid("hashes", `a tree of size ${size} needs ${want} hashes, got ${hashes.length}`) };
    }
    const bad = hashes.findIndex((h) => h.length !== HASH_SIZE);
    if (bad >= 0) return { error: ControllerError.invalid(`hashes[${bad}]`, `must be ${HASH_SIZE} bytes`) };
    return { value: new CompactRange(size, hashes.map(copyHash)) };
  }

  get size(): number {
    return this.count;
  }

  /** The perfect subtrees this range holds, left to right; hashes() lines up with them. */
  nodes(): NodeId[] {
    return perfectNodes(0, this.count);
  }

  hashes(): Uint8Array[] {
    return this.stack.map(copyHash);
  }

  /** Appends one leaf hash; `visit` hears about the leaf and every node it completes. */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    if (leafHash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes`);
    let hash = leafHash;
    visit?.(0, this.count, hash);
    let rest = this.count;
    let level = 0;
    // Each trailing 1 bit of the old size is a perfect subtree of the same level to merge with.
    while (rest % 2 === 1) {
      const left = this.stack.pop() as Uint8Array;
      hash = hashChildren(left, hash);
      rest = (rest - 1) / 2;
      level++;
      visit?.(level, rest, hash);
    }
    this.stack.push(hash);
    this.count++;
  }

  appendAll(leafHashes: Iterable<Uint8Array>, visit?: NodeVisitor): void {
    for (const h of leafHashes) this.append(h, visit);
  }

  root(): Uint8Array {
    return foldRight(this.stack);
  }

  clone(): CompactRange {
    return new CompactRange(this.count, this.stack.slice());
  }
}
