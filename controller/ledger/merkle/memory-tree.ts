// A whole tree held in memory: every perfect node, kept as a CompactRange completes it. The
// reference NodeSource for tests and small tools; a real log serves nodes from tiles instead.

import { emptyRoot } from "./hash.js";
import { CompactRange, type NodeSource, foldRight, perfectNodes } from "./tree.js";

export class MemoryTree {
  /** levels[l][i] is the hash of node (l, i). */
  private readonly levels: Uint8Array[][] = [];
  private readonly range = CompactRange.empty();

  static of(leafHashes: Iterable<Uint8Array>): MemoryTree {
    const tree = new MemoryTree();
    for (const h of leafHashes) tree.append(h);
    return tree;
  }

  get size(): number {
    return this.range.size;
  }

  append(leafHash: Uint8Array): void {
    this.range.append(leafHash, (level, index, hash) => {
      (this.levels[level] ??= [])[index] = hash;
    });
  }

  /** Root of the tree as it was at any size up to the current one. */
  root(size: number = this.size): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) throw new RangeError(`no tree of size ${size}`);
    if (size === 0) return emptyRoot();
    return foldRight(perfectNodes(0, size).map((n) => this.node(n.level, n.index)));
  }

  /** Throws for a node that is not complete yet: asking for one is a bug in the caller. */
  readonly node: NodeSource = (level, index) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`node (${level}, ${index}) is not complete in a tree of size ${this.size}`);
    return hash;
  };
}
