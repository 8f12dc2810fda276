// Reads for the CLI, the read APIs and the controller's start: the head checkpoint, one entry or
// record, an inclusion proof, the newest records. These read only the few tiles and bundles they
// need, unlike verifyLog, which reads everything. Everything is read at the widths of the head
// checkpoint, even for an older tree size: the head's tiles hold the same hashes (and its bundles
// the same entries) as any older partial copy, which the log may have deleted (log/partials.ts).
import { parseCheckpoint } from "./checkpoint/checkpoint.js";
import { parseSignedNote } from "./checkpoint/signed-note.js";
import { HASH_SIZE, hashLeaf } from "./merkle/hash.js";
import { inclusionPlan, buildProof, planNodes, verifyInclusion } from "./merkle/proofs.js";
import { tileNodeSource, tileRoot, tilesForNodes } from "./merkle/tile-hashes.js";
import { entriesPath, entryBundle, tilePath, tileWidth, type TileRef } from "./merkle/tile-path.js";
import { perfectNodes } from "./merkle/tree.js";
import { parseBundle } from "./log/bundle.js";
import { ChunkAssembler, type AssembledRecord } from "./records/assemble.js";
import { decodeEntry } from "./records/codec.js";
import type { LedgerRecord } from "./records/record.js";
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
  return parseHead(bytes);
}

/** A stored checkpoint's bytes, parsed but not signature-checked. */
export function parseHead(bytes: Uint8Array): Head {
  const note = new TextDecoder().decode(bytes);
  const signed = parseSignedNote(note);
  if (signed.error) throw new Error(`checkpoint: ${signed.error.message}`);
  const body = parseCheckpoint(signed.value.text);
  if (body.error) throw new Error(`checkpoint: ${body.error.message}`);
  if (body.value.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("checkpoint: size too large");
  return { note, size: Number(body.value.size), root: body.value.rootHash };
}

/** Entry `index` of a log whose checkpoint covers `size` entries. */
export async function readEntry(source: LogReader, index: number, size: number): Promise<Uint8Array> {
  if (index >= size) throw new Error(`<index>: ${index} is not below the log size ${size}`);
  const { bundleIndex, offset } = entryBundle(index);
  return (await readBundle(source, bundleIndex, size))[offset] as Uint8Array;
}

/**
 * The record entry `index` belongs to, whole: for a part of a chunked record, all its parts are
 * read and put together.
 */
export async function readRecord(source: LogReader, index: number, size: number): Promise<AssembledRecord> {
  const entry = decodeEntry(await readEntry(source, index, size));
  if (entry.error) throw new Error(`entry ${index}: ${entry.error.message}`);
  if (entry.value.kind !== "record_chunk") return { record: entry.value, first: index, entries: 1 };
  const first = index - entry.value.part;
  const bundles = new BundleCache(source, size);
  const assembler = new ChunkAssembler();
  for (let i = first; i < first + entry.value.parts; i++) {
    const record = await assembleAt(assembler, bundles, i, size);
    if (record) return record;
  }
  throw new Error(`entry ${index}: ${assembler.end()?.message ?? "record_chunk set is incomplete"}`);
}

/** The newest `limit` records (fewer if the log holds fewer), newest first, chunked ones whole. */
export async function readRecentRecords(reader: LogReader, limit: number): Promise<LedgerRecord[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit: must be a positive integer, got ${limit}`);
  const { size } = await readHead(reader);
  const bundles = new BundleCache(reader, size);
  const out: LedgerRecord[] = [];
  let index = size - 1;
  while (index >= 0 && out.length < limit) {
    const entry = decodeEntry(await bundles.entry(index));
    if (entry.error) throw new Error(`entry ${index}: ${entry.error.message}`);
    if (entry.value.kind !== "record_chunk") {
      out.push(entry.value);
      index--;
      continue;
    }
    // Walking backwards, a set is met at its last part; its first part is `part` entries back.
    const first = index - entry.value.part;
    if (entry.value.part !== entry.value.parts - 1 || first < 0) throw new Error(`entry ${index}: record_chunk set does not end here`);
    const assembler = new ChunkAssembler();
    let record: AssembledRecord | undefined;
    for (let i = first; i <= index; i++) record = await assembleAt(assembler, bundles, i, size);
    if (!record) throw new Error(`entry ${index}: ${assembler.end()?.message ?? "record_chunk set is incomplete"}`);
    out.push(record.record);
    index = first - 1;
  }
  return out;
}

/** Proof for entry `index` in the tree of `size` (at most the head's), checked before returning. */
export async function proveInclusion(source: LogReader, head: Head, index: number, size: number): Promise<InclusionResult> {
  if (size > head.size) throw new Error(`--size: ${size} is larger than the checkpoint's ${head.size}`);
  const plan = inclusionPlan(index, size);
  if (plan.error) throw new Error(`<index>: ${plan.error.message}`);
  const tiles = await readTiles(source, [...tilesForNodes(planNodes(plan.value), head.size), ...tilesForNodes(perfectNodes(0, size), head.size)]);
  const read = tileReaderOf(tiles, head.size);
  const proof = buildProof(plan.value, tileNodeSource(read, size));
  // Below the head's size the root comes from the tiles; the proof check then ties them together.
  const root = size === head.size ? { value: head.root } : tileRoot(read, size);
  if (root.error) throw new Error(root.error.message);
  const rootHash = root.value;
  const leafHash = hashLeaf(await readEntry(source, index, head.size));
  const check = verifyInclusion(index, size, leafHash, proof, rootHash);
  if (check.error) throw new Error(`proof does not verify against the root at size ${size}: ${check.error.message}`);
  return { index, size, root: rootHash, leafHash, proof };
}

/**
 * A tile reader over tiles fetched by readTiles at the widths of a tree of `storedSize`: a tile
 * asked for at a smaller width (an older size) is the prefix of the stored one. A missing one is named.
 */
export function tileReaderOf(tiles: ReadonlyMap<string, Uint8Array>, storedSize?: number): (level: number, index: number, width: number) => Uint8Array {
  return (level, index, width) => {
    const stored = storedSize === undefined ? width : tileWidth(level, index, storedSize);
    const bytes = tiles.get(tilePath({ level, index, width: stored }));
    if (!bytes) throw new Error(`${tilePath({ level, index, width: stored })}: missing`);
    return stored === width ? bytes : bytes.subarray(0, width * HASH_SIZE);
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

async function readBundle(source: LogReader, bundleIndex: number, size: number): Promise<Uint8Array[]> {
  const width = tileWidth(0, bundleIndex, size);
  const file = entriesPath(bundleIndex, width);
  const bytes = await source.readEntryBundle(bundleIndex, width);
  if (!bytes) throw new Error(`${file}: missing`);
  const parsed = parseBundle(bytes, width);
  if (parsed.error) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.value;
}

/** The bundle last read, kept: walks over neighbouring entries read each bundle once. */
class BundleCache {
  private index = -1;
  private entries: Uint8Array[] = [];

  constructor(private readonly source: LogReader, private readonly size: number) {}

  async entry(index: number): Promise<Uint8Array> {
    const { bundleIndex, offset } = entryBundle(index);
    if (bundleIndex !== this.index) {
      this.entries = await readBundle(this.source, bundleIndex, this.size);
      this.index = bundleIndex;
    }
    return this.entries[offset] as Uint8Array;
  }
}

async function assembleAt(assembler: ChunkAssembler, bundles: BundleCache, index: number, size: number): Promise<AssembledRecord | undefined> {
  if (index >= size) throw new Error(`entry ${index}: record_chunk set runs past the log size ${size}`);
  const entry = decodeEntry(await bundles.entry(index));
  if (entry.error) throw new Error(`entry ${index}: ${entry.error.message}`);
  const pushed = assembler.push(entry.value, index);
  if (pushed.error) throw new Error(`entry ${index}: ${pushed.error.message}`);
  return pushed.value;
}
