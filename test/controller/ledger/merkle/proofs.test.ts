import { describe, expect, it } from "vitest";
import { hashLeaf, toHex } from "../../../../controller/ledger/merkle/hash.js";
import { MemoryTree } from "../../../../controller/ledger/merkle/memory-tree.js";
import {
  buildProof,
  consistencyPlan,
  consistencyProof,
  inclusionPlan,
  inclusionProof,
  planNodes,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from "../../../../controller/ledger/merkle/proofs.js";
import { CONSISTENCY_PROOFS, INCLUSION_PROOFS, LEAF_INPUTS_HEX, ROOTS, hex } from "./rfc6962-vectors.js";
import { flipBit, leafHashes, seeded } from "./support.js";

const reference = MemoryTree.of(LEAF_INPUTS_HEX.map((h) => hashLeaf(hex(h))));

function inclusionOk(tree: MemoryTree, index: number, size: number): void {
  const proof = inclusionProof(index, size, tree.node);
  expect(proof.error).toBeUndefined();
  const verdict = verifyInclusion(index, size, tree.node(0, index), proof.value!, tree.root(size));
  expect(verdict.error?.message, `leaf ${index} of ${size}`).toBeUndefined();
}

function consistencyOk(tree: MemoryTree, older: number, newer: number): void {
  const proof = consistencyProof(older, newer, tree.node);
  expect(proof.error).toBeUndefined();
  const verdict = verifyConsistency(older, newer, proof.value!, tree.root(older), tree.root(newer));
  expect(verdict.error?.message, `${older} to ${newer}`).toBeUndefined();
}

describe("published RFC 6962 vectors", () => {
  for (const v of INCLUSION_PROOFS) {
    it(`inclusion of leaf ${v.index} in ${v.size}: generated as published and verified`, () => {
      expect(inclusionProof(v.index, v.size, reference.node).value?.map(toHex)).toEqual(v.proof);
      const leaf = reference.node(0, v.index);
      expect(verifyInclusion(v.index, v.size, leaf, v.proof.map(hex), hex(ROOTS[v.size]!)).error).toBeUndefined();
    });
  }

  for (const v of CONSISTENCY_PROOFS) {
    it(`consistency of ${v.older} with ${v.newer}: generated as published and verified`, () => {
      expect(consistencyProof(v.older, v.newer, reference.node).value?.map(toHex)).toEqual(v.proof);
      const verdict = verifyConsistency(v.older, v.newer, v.proof.map(hex), hex(ROOTS[v.older]!), hex(ROOTS[v.newer]!));
      expect(verdict.error).toBeUndefined();
    });
  }
});

describe("round trips", () => {
  const tree = MemoryTree.of(leafHashes(300));

  it("prove every leaf of every size 1..300", () => {
    for (let size = 1; size <= 300; size++) for (let index = 0; index < size; index++) inclusionOk(tree, index, size);
  });

  it("prove every pair of sizes m ≤ n ≤ 64, including the empty and equal trees", () => {
    for (let newer = 0; newer <= 64; newer++) for (let older = 0; older <= newer; older++) consistencyOk(tree, older, newer);
  });

  it("prove sampled pairs up to 300, and every older size for a few newer ones", () => {
    const rand = seeded(9162);
    for (let i = 0; i < 2000; i++) {
      const newer = 65 + rand(236);
      consistencyOk(tree, rand(newer + 1), newer);
    }
    for (const newer of [127, 128, 129, 255, 256, 257, 300]) for (let older = 0; older <= newer; older++) consistencyOk(tree, older, newer);
  });

  it("prove sampled leaves and sizes of a 100,000-leaf tree", () => {
    const big = MemoryTree.of(leafHashes(100_000));
    const rand = seeded(2024);
    for (let i = 0; i < 300; i++) {
      const size = 1 + rand(100_000);
      inclusionOk(big, rand(size), size);
      consistencyOk(big, rand(size + 1), size);
    }
    inclusionOk(big, 99_999, 100_000);
    consistencyOk(big, 65_536, 100_000);
  });

  it("plan exactly the nodes the proof reads, so storage can fetch them first", () => {
    const read: string[] = [];
    const plan = consistencyPlan(37, 250).value!;
    buildProof(plan, (level, index) => {
      read.push(`${level}/${index}`);
      return tree.node(level, index);
    });
    expect(read).toEqual(planNodes(plan).map((n) => `${n.level}/${n.index}`));
    // A right-edge proof hash is a fold of several nodes: 250 − 128 − 64 − 32 = 26 = 16 + 8 + 2.
    expect(inclusionPlan(3, 250).value!.at(-1)).toEqual([
      { level: 6, index: 2 },
      { level: 5, index: 6 },
      { level: 4, index: 14 },
      { level: 3, index: 30 },
      { level: 1, index: 124 },
    ]);
  });
});

describe("tampered inclusion proofs are rejected", () => {
  const tree = MemoryTree.of(leafHashes(300));
  const cases = [
    [0, 1],
    [0, 8],
    [5, 8],
    [6, 7],
    [100, 257],
    [255, 256],
    [299, 300],
  ] as const;

  for (const [index, size] of cases) {
    it(`for leaf ${index} of ${size}`, () => {
      const proof = inclusionProof(index, size, tree.node).value!;
      const leaf = tree.node(0, index);
      const root = tree.root(size);
      const rejects = (i: number, n: number, l: Uint8Array, p: Uint8Array[], r: Uint8Array): void => {
        expect(verifyInclusion(i, n, l, p, r).error, `${i}/${n}`).toBeDefined();
      };
      for (let k = 0; k < proof.length; k++) {
        for (const bit of [0, 77, 255]) rejects(index, size, leaf, proof.map((h, j) => (j === k ? flipBit(h, bit) : h)), root);
      }
      rejects(index, size, flipBit(leaf, 3), proof, root);
      rejects(index, size, leaf, proof, flipBit(root, 200));
      rejects(index, size, leaf, [...proof, root], root);
      rejects(index, size, leaf, [root, ...proof], root);
      if (proof.length > 0) rejects(index, size, leaf, proof.slice(1), root);
      if (index + 1 < size) rejects(index + 1, size, leaf, proof, root);
      if (index > 0) rejects(index - 1, size, leaf, proof, root);
      rejects(index, size * 2, leaf, proof, root);
      if (size > 1 && index < Math.floor(size / 2)) rejects(index, Math.floor(size / 2), leaf, proof, root);
      rejects(index ^ 2, size, leaf, proof, root);
    });
  }

  it("with errors that name the field at fault", () => {
    const proof = inclusionProof(5, 8, reference.node).value!;
    const leaf = reference.node(0, 5);
    const root = reference.root(8);
    expect(verifyInclusion(8, 8, leaf, proof, root).error?.message).toBe("leaf_index: 8 is not below tree size 8");
    expect(verifyInclusion(-1, 8, leaf, proof, root).error?.field).toBe("leaf_index");
    expect(verifyInclusion(0, 2 ** 53, leaf, proof, root).error?.field).toBe("tree_size");
    expect(verifyInclusion(5, 8, leaf, proof.slice(1), root).error?.message).toBe("proof: has 2 hashes; a leaf at 5 of 8 needs 3");
    expect(verifyInclusion(5, 8, leaf, [proof[0]!, proof[1]!.subarray(2), proof[2]!], root).error?.field).toBe("proof[1]");
    expect(verifyInclusion(5, 8, leaf.subarray(1), proof, root).error?.field).toBe("leaf_hash");
    expect(verifyInclusion(5, 8, leaf, proof, root.subarray(1)).error?.field).toBe("root");
    expect(verifyInclusion(5, 8, leaf, proof, flipBit(root, 0)).error?.message).toBe("proof: does not lead to the given root");
    expect(rootFromInclusionProof(5, 8, leaf, proof).value?.length).toBe(32);
    expect(toHex(rootFromInclusionProof(5, 8, leaf, proof).value!)).toBe(ROOTS[8]);
  });
});

describe("tampered consistency proofs are rejected", () => {
  const tree = MemoryTree.of(leafHashes(300));
  const cases = [
    [1, 2],
    [1, 8],
    [2, 5],
    [4, 8],
    [6, 8],
    [6, 7],
    [37, 250],
    [128, 300],
    [255, 256],
  ] as const;

  for (const [older, newer] of cases) {
    it(`for ${older} to ${newer}`, () => {
      const proof = consistencyProof(older, newer, tree.node).value!;
      const r1 = tree.root(older);
      const r2 = tree.root(newer);
      const rejects = (m: number, n: number, p: Uint8Array[], a: Uint8Array, b: Uint8Array): void => {
        expect(verifyConsistency(m, n, p, a, b).error, `${m}/${n}`).toBeDefined();
      };
      for (let k = 0; k < proof.length; k++) {
        for (const bit of [1, 100, 254]) rejects(older, newer, proof.map((h, j) => (j === k ? flipBit(h, bit) : h)), r1, r2);
      }
      rejects(older, newer, proof, flipBit(r1, 9), r2);
      rejects(older, newer, proof, r1, flipBit(r2, 9));
      rejects(older, newer, proof, r2, r1);
      rejects(older, newer, [...proof, r2], r1, r2);
      rejects(older, newer, [r1, ...proof], r1, r2);
      rejects(older, newer, proof.slice(0, -1), r1, r2);
      rejects(older + 1, newer, proof, r1, r2);
      rejects(older - 1, newer, proof, r1, r2);
      // Not newer + 1: sizes whose trees share a shape accept the same proof; a signed checkpoint
      // binds root and size together, so that is not a forgery.
      rejects(older, newer * 2, proof, r1, r2);
      if (Math.floor(newer / 2) > older) rejects(older, Math.floor(newer / 2), proof, r1, r2);
      rejects(newer, older, proof, r2, r1);
    });
  }

  it("with errors that name the field at fault", () => {
    const proof = consistencyProof(6, 8, reference.node).value!;
    const r6 = reference.root(6);
    const r8 = reference.root(8);
    expect(verifyConsistency(9, 8, proof, r6, r8).error?.message).toBe("first: 9 is larger than second 8");
    expect(verifyConsistency(6, Number.NaN, proof, r6, r8).error?.field).toBe("second");
    expect(verifyConsistency(6, 8, proof.slice(1), r6, r8).error?.message).toBe("proof: has 2 hashes; sizes 6 to 8 needs 3");
    expect(verifyConsistency(6, 8, proof, r6.subarray(1), r8).error?.field).toBe("first_hash");
    expect(verifyConsistency(6, 8, proof, r6, flipBit(r8, 1)).error?.message).toBe("proof: does not lead to second_hash");
    expect(verifyConsistency(6, 8, proof, flipBit(r6, 1), r8).error?.message).toBe("proof: does not lead to first_hash");
    expect(verifyConsistency(8, 8, [], r8, r6).error?.field).toBe("second_hash");
    expect(verifyConsistency(8, 8, [r8], r8, r8).error?.field).toBe("proof");
    expect(verifyConsistency(0, 8, [], reference.root(0), r8).value).toBe(true);
    expect(verifyConsistency(0, 8, [], r6, r8).error?.field).toBe("first_hash");
    expect(verifyConsistency(0, 8, [r8], reference.root(0), r8).error?.field).toBe("proof");
  });
});
