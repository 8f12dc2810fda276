import { describe, expect, it } from "vitest";
import { HASH_SIZE, emptyRoot, hashChildren, hashLeaf, hashesEqual, toHex } from "../../../../controller/ledger/merkle/hash.js";
import { LEAF_INPUTS_HEX, NODE_HASHES, ROOTS, hex } from "./rfc6962-vectors.js";

describe("RFC 6962 hashing", () => {
  it("hashes the reference leaves to the published leaf hashes", () => {
    expect(LEAF_INPUTS_HEX.map((h) => toHex(hashLeaf(hex(h))))).toEqual(NODE_HASHES[0]);
  });

  it("hashes each pair of published nodes to its published parent", () => {
    for (let level = 1; level < NODE_HASHES.length; level++) {
      const below = NODE_HASHES[level - 1]!;
      NODE_HASHES[level]!.forEach((parent, i) => {
        expect(toHex(hashChildren(hex(below[2 * i]!), hex(below[2 * i + 1]!)))).toBe(parent);
      });
    }
  });

  it("gives the empty tree SHA-256 of nothing, as a fresh copy each time", () => {
    const root = emptyRoot();
    expect(toHex(root)).toBe(ROOTS[0]);
    root[0] = 0;
    expect(toHex(emptyRoot())).toBe(ROOTS[0]);
  });

  it("keeps leaves and nodes apart: the same 64 bytes hash differently as leaf and as node", () => {
    const a = hashLeaf(hex("01"));
    const b = hashLeaf(hex("02"));
    const joined = new Uint8Array([...a, ...b]);
    expect(hashesEqual(hashLeaf(joined), hashChildren(a, b))).toBe(false);
    expect(hashChildren(a, b)).toHaveLength(HASH_SIZE);
  });

  it("compares hashes by content and length", () => {
    const a = hashLeaf(hex("aa"));
    expect(hashesEqual(a, a.slice())).toBe(true);
    expect(hashesEqual(a, a.subarray(1))).toBe(false);
    expect(hashesEqual(a, hashLeaf(hex("ab")))).toBe(false);
  });
});

describe("hash values", () => {
  it("are plain Uint8Arrays, so slice() copies instead of sharing memory as Buffer's does", () => {
    const h = hashLeaf(hex("01"));
    expect(Buffer.isBuffer(h)).toBe(false);
    const copy = h.slice();
    copy[0] = copy[0]! ^ 0xff;
    expect(hashesEqual(copy, h)).toBe(false);
  });
});
