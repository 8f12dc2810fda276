// Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4). Generation is split in two: a plan
// names the perfect subtrees each proof hash is made of, so storage can fetch exactly those (from
// tiles, in parallel) before buildProof folds them. Verification takes untrusted proofs and says
// what is wrong instead of throwing.

import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { HASH_SIZE, emptyRoot, hashChildren, hashesEqual } from "./hash.js";
import { type NodeId, type NodeSource, foldRight, perfectNodes, splitPoint } from "./tree.js";

/** One proof hash: the fold of these perfect subtrees (several only at the tree's right edge). */
export type ProofStep = readonly NodeId[];
/** Proof hashes in the order RFC 9162 sends them: nearest the leaf (or older root) first. */
export type ProofPlan = readonly ProofStep[];

export function inclusionPlan(index: number, size: number): Parsed<ProofPlan> {
  const bad = checkCount("tree_size", size) ?? checkCount("leaf_index", index);
  if (bad) return { error: bad };
  if (index >= size) return { error: ControllerError.invalid("leaf_index", `${index} is not below tree size ${size}`) };
  const steps: ProofStep[] = [];
  let begin = 0;
  let end = size;
  while (end - begin > 1) {
    const k = splitPoint(end - begin);
    if (index < begin + k) {
      steps.push(perfectNodes(begin + k, end));
      end = begin + k;
    } else {
      steps.push(perfectNodes(begin, begin + k));
      begin += k;
    }
  }
  return { value: steps.reverse() };
}

export function consistencyPlan(older: number, newer: number): Parsed<ProofPlan> {
  const bad = checkCount("first", older) ?? checkCount("second", newer);
  if (bad) return { error: bad };
  if (older > newer) return { error: ControllerError.invalid("first", `${older} is larger than second ${newer}`) };
  if (older === 0 || older === newer) return { value: [] };
  const steps: ProofStep[] = [];
  let begin = 0;
  let end = newer;
  // Whether [begin, end) is still a prefix of the tree, whose older root the verifier already has.
  let prefix = true;
  for (;;) {
    if (older === end) {
      if (!prefix) steps.push(perfectNodes(begin, end));
      break;
    }
    const k = splitPoint(end - begin);
    if (older - begin <= k) {
      steps.push(perfectNodes(begin + k, end));
      end = begin + k;
    } else {
      steps.push(perfectNodes(begin, begin + k));
      begin += k;
      prefix = false;
    }
  }
  return { value: steps.reverse() };
}

/** Every node a plan reads, for prefetching. */
export function planNodes(plan: ProofPlan): NodeId[] {
  return plan.flat();
}

export function buildProof(plan: ProofPlan, source: NodeSource): Uint8Array[] {
  return plan.map((step) => foldRight(step.map((n) => source(n.level, n.index))));
}

export function inclusionProof(index: number, size: number, source: NodeSource): Parsed<Uint8Array[]> {
  const plan = inclusionPlan(index, size);
  return plan.error ? plan : { value: buildProof(plan.value, source) };
}

export function consistencyProof(older: number, newer: number, source: NodeSource): Parsed<Uint8Array[]> {
  const plan = consistencyPlan(older, newer);
  return plan.error ? plan : { value: buildProof(plan.value, source) };
}

/** The root a leaf and its inclusion proof imply (RFC 9162 §2.1.3.2), or what is wrong with them. */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Parsed<Uint8Array> {
  const plan = inclusionPlan(index, size);
  if (plan.error) return plan;
  const bad = checkHash("leaf_hash", leafHash) ?? checkProof(proof, plan.value.length, `a leaf at ${index} of ${size}`);
  if (bad) return { error: bad };
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      // Skip the levels where this leaf's ancestor is the last node and has no right sibling.
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      r = hashChildren(r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) return { error: ControllerError.invalid("proof", "is too short for the tree size") };
  return { value: r };
}

export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): Parsed<true> {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (computed.error) return computed;
  const bad = checkHash("root", root);
  if (bad) return { error: bad };
  if (!hashesEqual(computed.value, root)) return { error: ControllerError.invalid("proof", "does not lead to the given root") };
  return { value: true };
}

/** Whether the tree of size `newer` extends the tree of size `older` (RFC 9162 §2.1.4.2). */
export function verifyConsistency(older: number, newer: number, proof: readonly Uint8Array[], olderRoot: Uint8Array, newerRoot: Uint8Array): Parsed<true> {
  const plan = consistencyPlan(older, newer);
  if (plan.error) return plan;
  const bad = checkHash("first_hash", olderRoot) ?? checkHash("second_hash", newerRoot) ?? checkProof(proof, plan.value.length, `sizes ${older} to ${newer}`);
  if (bad) return { error: bad };
  if (older === 0) {
    if (!hashesEqual(olderRoot, emptyRoot())) return { error: ControllerError.invalid("first_hash", "is not the empty tree's root") };
    return { value: true };
  }
  if (older === newer) {
    if (!hashesEqual(olderRoot, newerRoot)) return { error: ControllerError.invalid("second_hash", "differs from first_hash at the same size") };
    return { value: true };
  }
  // A power-of-two older tree is itself a node of the newer one, so its root opens the path.
  const path = isPowerOfTwo(older) ? [olderRoot, ...proof] : proof;
  let fn = older - 1;
  let sn = newer - 1;
  while (fn % 2 === 1) [fn, sn] = [(fn - 1) / 2, Math.floor(sn / 2)];
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return { error: ControllerError.invalid("proof", "is too long for the tree sizes") };
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      sr = hashChildren(sr, c);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) return { error: ControllerError.invalid("proof", "is too short for the tree sizes") };
  if (!hashesEqual(fr, olderRoot)) return { error: ControllerError.invalid("proof", "does not lead to first_hash") };
  if (!hashesEqual(sr, newerRoot)) return { error: ControllerError.invalid("proof", "does not lead to second_hash") };
  return { value: true };
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function checkCount(field: string, n: number): ControllerError | undefined {
  return Number.isSafeInteger(n) && n >= 0 ? undefined : ControllerError.invalid(field, `must be a non-negative safe integer, got ${n}`);
}

function checkHash(field: string, hash: Uint8Array): ControllerError | undefined {
  return hash.length === HASH_SIZE ? undefined : ControllerError.invalid(field, `must be ${HASH_SIZE} bytes, got ${hash.length}`);
}

function checkProof(proof: readonly Uint8Array[], want: number, what: string): ControllerError | undefined {
  if (proof.length !== want) return ControllerError.invalid("proof", `has ${proof.length} hashes; ${what} needs ${want}`);
  const bad = proof.findIndex((h) => h.length !== HASH_SIZE);
  return bad < 0 ? undefined : ControllerError.invalid(`proof[${bad}]`, `must be ${HASH_SIZE} bytes, got ${proof[bad]?.length}`);
}
