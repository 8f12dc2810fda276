import { describe, expect, it } from "vitest";
import { hashChildren, hashLeaf, toHex } from "../../../../controller/ledger/merkle/hash.js";
import { CompactRange, foldRight, nodeSpan, perfectNodes, rootOf, splitPoint } from "../../../../controller/ledger/merkle/tree.js";
import { LEAF_INPUTS_HEX, NODE_HASHES, ROOTS, hex } from "./rfc6962-vectors.js";
import { leafHashes, seeded } from "./support.js";

const reference = LEAF_INPUTS_HEX.map((h) => hashLeaf(hex(h)));

describe("tree shape", () => {
  it("splits at the largest power of two below n", () => {
    expect([2, 3, 4, 5, 8, 9, 256, 257].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8, 128, 256]);
    expect(splitPoint(2 ** 40 + 1)).toBe(2 ** 40);
  });

  it("covers a tree with one perfect subtree per set bit of its size, largest first", () => {
    expect(perfectNodes(0, 0)).toEqual([]);
    expect(perfectNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(perfectNodes(8, 13)).toEqual([
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectNodes(0, 2 ** 40 + 3).map((n) => n.level)).toEqual([40, 1, 0]);
    for (let size = 1; size <= 300; size++) {
      const nodes = perfectNodes(0, size);
      expect(nodes.map((n) => 2 ** n.level).reduce((a, b) => a + b)).toBe(size);
      expect(nodeSpan(nodes[nodes.length - 1]!).end).toBe(size);
    }
  });

  it("gives each node the leaves it covers", () => {
    expect(nodeSpan({ level: 0, index: 5 })).toEqual({ begin: 5, end: 6 });
    expect(nodeSpan({ level: 3, index: 2 })).toEqual({ begin: 16, end: 24 });
  });

  it("folds subtree hashes from the right", () => {
    const [a, b, c] = reference;
    expect(foldRight([a!])).toBe(a);
    expect(toHex(foldRight([a!, b!, c!]))).toBe(toHex(hashChildren(a!, hashChildren(b!, c!))));
    expect(toHex(foldRight([]))).toBe(ROOTS[0]);
  });
});

describe("roots", () => {
  it("match the published roots of the reference leaves for sizes 0..8", () => {
    for (let size = 0; size <= 8; size++) expect(toHex(rootOf(reference.slice(0, size)))).toBe(ROOTS[size]);
  });

  it("match between rootOf and a growing CompactRange for every size 0..300", () => {
    const leaves = leafHashes(300);
    const range = CompactRange.empty();
    expect(toHex(range.root())).toBe(ROOTS[0]);
    for (let size = 1; size <= 300; size++) {
      range.append(leaves[size - 1]!);
      expect(range.size).toBe(size);
      expect(toHex(range.root())).toBe(toHex(rootOf(leaves.slice(0, size))));
    }
  });

  it("match for random sizes up to 100,000 leaves", () => {
    const rand = seeded(6962);
    const leaves = leafHashes(100_000);
    const sizes = new Set([100_000, 65_536, 65_537, ...Array.from({ length: 6 }, () => 1 + rand(100_000))]);
    const range = CompactRange.empty();
    for (const size of [...sizes].sort((a, b) => a - b)) {
      range.appendAll(leaves.slice(range.size, size));
      expect(toHex(range.root()), `size ${size}`).toBe(toHex(rootOf(leaves.slice(0, size))));
    }
  });
});

describe("CompactRange", () => {
  it("reports the leaf and every node it completes, which are the published node hashes", () => {
    const seen: string[][] = [];
    const range = CompactRange.empty();
    range.appendAll(reference, (level, index, hash) => {
      (seen[level] ??= [])[index] = toHex(hash);
    });
    expect(seen).toEqual(NODE_HASHES);
  });

  it("holds the published compact trees for sizes 0..8", () => {
    const range = CompactRange.empty();
    for (let size = 0; size <= 8; size++) {
      if (size > 0) range.append(reference[size - 1]!);
      expect(range.hashes().map(toHex)).toEqual(range.nodes().map((n) => NODE_HASHES[n.level]![n.index]));
    }
  });

  it("costs one leaf visit plus one node per merge: 2k − 1 visits for k leaves from empty", () => {
    let visits = 0;
    CompactRange.empty().appendAll(leafHashes(1024), () => visits++);
    expect(visits).toBe(2 * 1024 - 1);
  });

  it("restores from its hashes and carries on as if never stopped", () => {
    const leaves = leafHashes(50);
    const whole = CompactRange.empty();
    whole.appendAll(leaves);
    const first = CompactRange.empty();
    first.appendAll(leaves.slice(0, 37));
    const restored = CompactRange.restore(37, first.hashes());
    expect(restored.error).toBeUndefined();
    restored.value!.appendAll(leaves.slice(37));
    expect(toHex(restored.value!.root())).toBe(toHex(whole.root()));
  });

  it("refuses to restore from the wrong number or size of hashes, naming the field", () => {
    const hashes = leafHashes(3);
    expect(CompactRange.restore(5, hashes).error?.message).toBe("hashes: a tree of size 5 needs 2 hashes, got 3");
    expect(CompactRange.restore(3, [hashes[0]!, hashes[1]!.subarray(1)]).error?.field).toBe("hashes[1]");
    expect(CompactRange.restore(-1, []).error?.field).toBe("size");
    expect(CompactRange.restore(1.5, []).error?.field).toBe("size");
    expect(CompactRange.restore(0, []).value?.size).toBe(0);
  });

  it("clones independently and refuses leaf hashes of the wrong length", () => {
    const range = CompactRange.empty();
    range.appendAll(leafHashes(3));
    const copy = range.clone();
    copy.append(leafHashes(4)[3]!);
    expect(range.size).toBe(3);
    expect(copy.size).toBe(4);
    expect(() => range.append(new Uint8Array(31))).toThrow(RangeError);
  });
});
