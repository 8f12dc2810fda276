// Opening a log directory: take the writer lock, verify the stored checkpoint, delete what an
// unfinished integration left beyond it (recover.ts), and rebuild the right edge of the tree from
// the tiles of its size. Entries whose append never resolved may be lost that way; every resolved
// one is covered by the checkpoint.
import { Code, ControllerError } from "../../errors/controller-error.js";
import { signCheckpoint } from "../checkpoint/sign.js";
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS, verifyCheckpoint } from "../checkpoint/verify.js";
import { HASH_SIZE, emptyRoot, hashesEqual } from "../merkle/hash.js";
import { compactRangeFromTiles, tilesForNodes } from "../merkle/tile-hashes.js";
import { TILE_WIDTH, parseTilePath, tilePath, tilesForSize, type TileRef } from "../merkle/tile-path.js";
import { CompactRange, perfectNodes } from "../merkle/tree.js";
import type { LogStorage } from "../storage/storage.js";
import { Log } from "./append.js";
import { parseBundle } from "./bundle.js";
import type { EdgeTile, LogState } from "./integrate.js";
import { LogMetrics } from "./metrics.js";
import { resolveLogOptions, type LogOptions, type ResolvedLogOptions } from "./options.js";
import { PartialTracker } from "./partials.js";
import { removeBeyondCheckpoint } from "./recover.js";
import { SigningClock } from "./signing-clock.js";

/** Opens the log, as its only writer until `close()`; refuses (FailedPrecondition) if another writer has it. */
export async function openLog(options: LogOptions): Promise<Log> {
  const resolved = resolveLogOptions(options);
  await resolved.storage.lockWriter();
  try {
    return await openLocked(resolved);
  } catch (e) {
    await resolved.storage.unlockWriter().catch(() => undefined);
    throw e;
  }
}

async function openLocked(options: ResolvedLogOptions): Promise<Log> {
  const { storage, origin, keys, nowSeconds, monotonicMs } = options;
  const metrics = options.registry ? LogMetrics.on(options.registry) : undefined;
  const partials = new PartialTracker(options.partialGraceMs);
  const stored = await storage.readCheckpoint();
  if (stored === undefined) {
    const strays = (await storage.list()).filter((p) => !parseTilePath(p).error);
    if (strays.length > 0) {
      throw new ControllerError(Code.FailedPrecondition, `ledger holds ${strays.length} tiles or bundles (${strays[0]}, …) but no checkpoint: restore the checkpoint or use an empty directory`);
    }
    // A new log publishes the empty tree at once, so readers always find a checkpoint.
    const clock = new SigningClock(0, nowSeconds, monotonicMs);
    const checkpoint = signCheckpoint({ origin, size: 0n, rootHash: emptyRoot(), extensions: [] }, keys, clock.next());
    await storage.writeCheckpoint(new TextEncoder().encode(checkpoint));
    const state: LogState = { range: CompactRange.empty(), edgeTiles: new Map(), edgeBundle: [], checkpoint };
    return new Log(state, { storage, origin, keys, clock, partials, options, metrics });
  }

  const trusted = { origin, ed25519: keys.ed25519.verifier, mlDsa44: keys.mlDsa44.verifier };
  // Any timestamp is accepted here: the signatures are what matters. One from the future means the
  // clock stepped back; the signing clock carries on from it.
  const verified = verifyCheckpoint(stored, trusted, { nowSeconds: nowSeconds(), maxFutureSkewSeconds: Number.MAX_SAFE_INTEGER });
  if (verified.error) throw new ControllerError(Code.FailedPrecondition, `stored checkpoint: ${verified.error.message}`, "checkpoint");
  const { checkpoint: body, cosignedAt } = verified.value;
  if (body.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new ControllerError(Code.FailedPrecondition, "stored checkpoint size is too large", "checkpoint");
  const size = Number(body.size);
  const ahead = Number(cosignedAt) - nowSeconds();
  if (ahead > DEFAULT_MAX_FUTURE_SKEW_SECONDS) {
    options.onWarning("ledger: the stored checkpoint is from the future: the clock was stepped back; new checkpoints carry on from its time", {
      checkpointTime: Number(cosignedAt), clockTime: nowSeconds(), aheadSeconds: ahead,
    });
  }

  const remaining = await removeBeyondCheckpoint(storage, size, options.onWarning);
  partials.seed(remaining, size, monotonicMs());

  const tiles = await readTiles(storage, [...tilesForNodes(perfectNodes(0, size), size), ...tilesForSize(size).filter((t) => t.width < TILE_WIDTH)]);
  const range = compactRangeFromTiles((level, index, width) => {
    const bytes = tiles.get(tilePath({ level, index, width }));
    if (!bytes) throw new ControllerError(Code.Internal, `tile ${tilePath({ level, index, width })} is missing`);
    return bytes;
  }, size);
  if (range.error) throw range.error;
  if (!hashesEqual(range.value.root(), body.rootHash)) throw new ControllerError(Code.Internal, `tiles do not match the checkpoint root at size ${size}`);

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
  const clock = new SigningClock(Number(cosignedAt), nowSeconds, monotonicMs);
  metrics?.size.set(size);
  return new Log({ range: range.value, edgeTiles, edgeBundle, checkpoint }, { storage, origin, keys, clock, partials, options, metrics });
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
