// Reads an auditor asks of a live log — the head, one entry, an inclusion or consistency proof —
// answered from the stored tiles, for both the HTTP and the gRPC API. Only what the stored
// checkpoint covers is answered: indices and sizes beyond it are refused. Bad arguments are
// ControllerErrors that name the argument.
import { ControllerError } from "../errors/controller-error.js";
import { proveInclusion, readEntry, readHead, readTiles, tileReaderOf } from "./read-log.js";
import { buildProof, consistencyPlan, planNodes } from "./merkle/proofs.js";
import { tileNodeSource, tilesForNodes } from "./merkle/tile-hashes.js";
import type { LogStorage } from "./storage/storage.js";

export interface InclusionAnswer {
  index: number;
  treeSize: number;
  rootHash: Uint8Array;
  leafHash: Uint8Array;
  path: Uint8Array[];
}

export interface ConsistencyAnswer {
  from: number;
  to: number;
  path: Uint8Array[];
}

export async function checkpointNote(storage: LogStorage): Promise<string> {
  return (await readHead(storage)).note;
}

export async function entryAt(storage: LogStorage, index: number): Promise<Uint8Array> {
  const head = await readHead(storage);
  if (!Number.isSafeInteger(index) || index < 0 || index >= head.size) {
    throw ControllerError.invalid("index", `expected 0..${head.size - 1}, got ${index}`);
  }
  return readEntry(storage, index, head.size);
}

export async function inclusion(storage: LogStorage, index: number, size?: number): Promise<InclusionAnswer> {
  const head = await readHead(storage);
  const treeSize = size ?? head.size;
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > head.size) {
    throw ControllerError.invalid("size", `expected 1..${head.size} (the checkpoint's size), got ${treeSize}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw ControllerError.invalid("index", `expected 0..${treeSize - 1}, got ${index}`);
  }
  const p = await proveInclusion(storage, head, index, treeSize);
  return { index, treeSize, rootHash: p.root, leafHash: p.leafHash, path: p.proof };
}

export async function consistency(storage: LogStorage, from: number, to?: number): Promise<ConsistencyAnswer> {
  const head = await readHead(storage);
  const newer = to ?? head.size;
  if (!Number.isSafeInteger(newer) || newer < 0 || newer > head.size) {
    throw ControllerError.invalid("to", `expected 0..${head.size} (the checkpoint's size), got ${newer}`);
  }
  const plan = consistencyPlan(from, newer);
  if (plan.error) throw ControllerError.invalid("from", plan.error.message);
  // At the head's widths: older partial tiles may be gone, the head's hold the same hashes.
  const tiles = await readTiles(storage, tilesForNodes(planNodes(plan.value), head.size));
  const path = buildProof(plan.value, tileNodeSource(tileReaderOf(tiles, head.size), newer));
  return { from, to: newer, path };
}
