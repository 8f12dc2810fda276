// Single-entry reads for the CLI and the read APIs: the head checkpoint, one record, one inclusion proof. These read
// only the few tiles a proof needs, unlike verifyLog, which reads everything.
import { parseCheckpoint } from "./checkpoint/checkpoint.js";
import { parseSignedNote } from "./checkpoint/signed-note.js";
import { hashLeaf } from "./merkle/hash.js";
import { inclusionPlan, buildProof, planNodes, verifyInclusion } from "./merkle/proofs.js";
import { tileNodeSource, tileRoot, tilesForNodes } from "./merkle/tile-hashes.js";
import { entriesPath, entryBundle, tilePath, tileWidth, type TileRef } from "./merkle/tile-path.js";
import { perfectNodes } from "./merkle/tree.js";
import { parseBundle } from "./log/bundle.js";
import type { LogReader } from "./verify/log-reader.js";

export interface Head {
  readonly note: string;
  readonly size: number;
  readonly root: Uint8Array;
}

export interface InclusionResult {
  readonly index: number;
  readonly size: number;
  readonly root: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly proof: Uint8Array[];
}

/** The stored checkpoint, parsed but not signature-checked (that is `verify`'s job). */
export async function readHead(source: LogReader): Promise<Head> {
  const bytes = await source.readCheckpoint();
  if (!bytes) throw new Error("checkpoint: missing");
  const note = new TextDecoder().decode(bytes);
  const signed = parseSignedNote(note);
  if (signed.error) throw new Error(`checkpoint: ${signed.error.message}`);
  const body = parseCheckpoint(signed.value.text);
  if (body.error) throw new Error(`checkpoint: ${body.error.message}`);
  if (body.value.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("checkpoint: size too large");
  return { note, size: Number(body.value.size), root: body.value.rootHash };
}

export async function readEntry(source: LogReader, index: number, size: number): Promise<Uint8Array> {
  if (index >= size) throw new Error(`<index>: ${index} is not below the log size ${size}`);
  const { bundleIndex, offset } = entryBundle(index);
  const width = tileWidth(0, bundleIndex, size);
  const file = entriesPath(bundleIndex, width);
  const bytes = await source.readEntryBundle(bundleIndex, width);
  if (!bytes) throw new Error(`${file}: missing`);
  const parsed = parseBundle(bytes, width);
  if (parsed.error) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.value[offset] as Uint8Array;
}

/** Proof for entry `index` in the tree of `size` (at most the head's), checked before returning. */
export async function proveInclusion(source: LogReader, head: Head, index: number, size: number): Promise<InclusionResult> {
  if (size > head.size) throw new Error(`--size: ${size} is larger than the checkpoint's ${head.size}`);
  const plan = inclusionPlan(index, size);
  if (plan.error) throw new Error(`<index>: ${plan.error.message}`);
  const tiles = await readTiles(source, [...tilesForNodes(planNodes(plan.value), size), ...tilesForNodes(perfectNodes(0, size), size)]);
  const read = tileReaderOf(tiles);
  const proof = buildProof(plan.value, tileNodeSource(read, size));
  // Below the head's size the root comes from the tiles; the proof check then ties them together.
  const root = size === head.size ? { value: head.root } : tileRoot(read, size);
  if (root.error) throw new Error(root.error.message);
  const rootHash = root.value;
  const leafHash = hashLeaf(await readEntry(source, index, size));
  const check = verifyInclusion(index, size, leafHash, proof, rootHash);
  if (check.error) throw new Error(`proof does not verify against the root at size ${size}: ${check.error.message}`);
  return { index, size, root: rootHash, leafHash, proof };
}

/** A tile reader over tiles already fetched by readTiles; a missing one is named. */
export function tileReaderOf(tiles: ReadonlyMap<string, Uint8Array>): (level: number, index: number, width: number) => Uint8Array {
  return (level, index, width) => {
    const bytes = tiles.get(tilePath({ level, index, width }));
    if (!bytes) throw new Error(`${tilePath({ level, index, width })}: missing`);
    return bytes;
  };
}

/** Reads each distinct tile once, in parallel; missing tiles are simply absent from the map. */
export async function readTiles(source: LogReader, refs: readonly TileRef[]): Promise<Map<string, Uint8Array>> {
  const unique = new Map(refs.map((t) => [tilePath(t), t]));
  const out = new Map<string, Uint8Array>();
  await Promise.all([...unique].map(async ([path, t]) => {
    const bytes = await source.readTile(t.level, t.index, t.width);
    if (bytes) out.set(path, bytes);
  }));
  return out;
}
