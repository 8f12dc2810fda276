// Opening a log directory. The checkpoint is the only commit point: tiles and bundles beyond its
// size are leftovers of an integration that crashed before publishing, so they are ignored here
// and overwritten as the log grows past them. Entries whose append never resolved may be lost that
// way; every resolved one is covered by the checkpoint.
import { Code, ControllerError } from "../../errors/controller-error.js";
import { signCheckpoint } from "../checkpoint/sign.js";
import { verifyCheckpoint } from "../checkpoint/verify.js";
import { HASH_SIZE, emptyRoot, hashesEqual } from "../merkle/hash.js";
import { compactRangeFromTiles, tilesForNodes } from "../merkle/tile-hashes.js";
import { TILE_WIDTH, tilePath, tilesForSize, type TileRef } from "../merkle/tile-path.js";
import { CompactRange, perfectNodes } from "../merkle/tree.js";
import type { LogStorage } from "../storage/storage.js";
import { Log } from "./append.js";
import { parseBundle } from "./bundle.js";
import type { EdgeTile } from "./integrate.js";
import { resolveLogOptions, type LogOptions } from "./options.js";

export async function openLog(options: LogOptions): Promise<Log> {
  const resolved = resolveLogOptions(options);
  const { storage, origin, keys, nowSeconds } = resolved;
  const ctx = { storage, origin, keys, nowSeconds };
  const stored = await storage.readCheckpoint();
  if (stored === undefined) {
    // A new log publishes the empty tree at once, so readers always find a checkpoint.
    const checkpoint = signCheckpoint({ origin, size: 0n, rootHash: emptyRoot(), extensions: [] }, keys, nowSeconds());
    await storage.writeCheckpoint(new TextEncoder().encode(checkpoint));
    return new Log({ range: CompactRange.empty(), edgeTiles: new Map(), edgeBundle: [], checkpoint }, ctx, resolved);
  }
  const trusted = { origin, ed25519: keys.ed25519.verifier, mlDsa44: keys.mlDsa44.verifier };
  const verified = verifyCheckpoint(stored, trusted, { nowSeconds: nowSeconds() });
  if (verified.error) throw new ControllerError(Code.FailedPrecondition, `stored checkpoint: ${verified.error.message}`, "checkpoint");
  const { size: bigSize, rootHash } = verified.value.checkpoint;
  if (bigSize > BigInt(Number.MAX_SAFE_INTEGER)) throw new ControllerError(Code.FailedPrecondition, "stored checkpoint size is too large", "checkpoint");
  const size = Number(bigSize);

  const tiles = await readTiles(storage, [...tilesForNodes(perfectNodes(0, size), size), ...tilesForSize(size).filter((t) => t.width < TILE_WIDTH)]);
  const range = compactRangeFromTiles((level, index, width) => {
    const bytes = tiles.get(tilePath({ level, index, width }));
    if (!bytes) throw new ControllerError(Code.Internal, `tile ${tilePath({ level, index, width })} is missing`);
    return bytes;
  }, size);
  if (range.error) throw range.error;
  if (!hashesEqual(range.value.root(), rootHash)) throw new ControllerError(Code.Internal, `tiles do not match the checkpoint root at size ${size}`);

  const edgeTiles = new Map<number, EdgeTile>();
  for (const tile of tilesForSize(size)) {
    if (tile.width === TILE_WIDTH) continue;
    const bytes = tiles.get(tilePath(tile));
    if (bytes?.length !== tile.width * HASH_SIZE) throw new ControllerError(Code.Internal, `tile ${tilePath(tile)} is missing or the wrong length`);
    const hashes = Array.from({ length: tile.width }, (_, i) => bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    edgeTiles.set(tile.level, { index: tile.index, hashes });
  }
  let edgeBundle: Uint8Array[] = [];
  if (size % TILE_WIDTH !== 0) {
    const index = Math.floor(size / TILE_WIDTH);
    const width = size % TILE_WIDTH;
    const bytes = await storage.readEntryBundle(index, width);
    if (!bytes) throw new ControllerError(Code.Internal, `entry bundle ${index} (width ${width}) is missing`);
    const parsed = parseBundle(bytes, width);
    if (parsed.error) throw new ControllerError(Code.Internal, `entry bundle ${index}: ${parsed.error.message}`);
    edgeBundle = parsed.value;
  }
  const checkpoint = new TextDecoder().decode(stored);
  return new Log({ range: range.value, edgeTiles, edgeBundle, checkpoint }, ctx, resolved);
}

/** Reads each tile once, by path; the tree math that follows is synchronous. */
async function readTiles(storage: LogStorage, refs: readonly TileRef[]): Promise<Map<string, Uint8Array>> {
  const unique = new Map(refs.map((t) => [tilePath(t), t]));
  const out = new Map<string, Uint8Array>();
  await Promise.all(
    [...unique].map(async ([path, t]) => {
      const bytes = await storage.readTile(t.level, t.index, t.width);
      if (bytes) out.set(path, bytes);
    }),
  );
  return out;
}
