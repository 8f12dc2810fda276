// RFC 6962 §2.1 hashing with SHA-256. The one-byte prefixes keep a leaf from ever hashing like an
// interior node, so a proof cannot pass a subtree off as an entry (second-preimage resistance).

import { createHash } from "node:crypto";

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const EMPTY_ROOT = new Uint8Array(createHash("sha256").digest());

/** SHA-256(0x00 || entry): the hash the tree stores for one entry. */
export function hashLeaf(entry: Uint8Array): Uint8Array {
  return plain(createHash("sha256").update(LEAF_PREFIX).update(entry).digest());
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return plain(createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest());
}

/** SHA-256 of nothing: the root of the empty tree. A fresh copy, so callers cannot corrupt it. */
export function emptyRoot(): Uint8Array {
  return copyHash(EMPTY_ROOT);
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy that is a plain Uint8Array: Buffer's slice() would share memory with the original. */
export function copyHash(hash: Uint8Array): Uint8Array {
  return new Uint8Array(hash);
}

export function toHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("hex");
}

// Same bytes, plain Uint8Array view: so callers' slice() copies as it does for any Uint8Array.
function plain(digest: Buffer): Uint8Array {
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
