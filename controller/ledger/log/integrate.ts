// Integration: one batch of entries becomes part of the tree. Indices are assigned in order, then
// the writes go entries → tiles → checkpoint, each group finished before the next starts, so a
// published checkpoint never names data that is not stored. Works on copies of the state: the
// caller adopts the new state only when every write, checkpoint last, has succeeded.
import type { LogKeys } from "../checkpoint/key-store.js";
import { signCheckpoint } from "../checkpoint/sign.js";
import { HASH_SIZE, hashLeaf } from "../merkle/hash.js";
import { TILE_HEIGHT, TILE_WIDTH, changedTiles } from "../merkle/tile-path.js";
import type { CompactRange } from "../merkle/tree.js";
import type { LogStorage } from "../storage/storage.js";
import { encodeBundle } from "./bundle.js";

/** The rightmost, not yet full tile of one tile level. */
export interface EdgeTile {
  readonly index: number;
  readonly hashes: readonly Uint8Array[];
}

/** What the log keeps in memory between integrations: all it needs to extend the stored tree. */
export interface LogState {
  readonly range: CompactRange;
  /** By tile level; levels whose rightmost tile is full (or absent) have no entry. */
  readonly edgeTiles: ReadonlyMap<number, EdgeTile>;
  /** Entries of the rightmost bundle when it is partial; empty when it is full. */
  readonly edgeBundle: readonly Uint8Array[];
  /** The signed note for range.size, as stored. */
  readonly checkpoint: string;
}

export interface IntegrateContext {
  readonly storage: LogStorage;
  readonly origin: string;
  readonly keys: LogKeys;
  readonly nowSeconds: () => number;
}

export interface Integrated {
  readonly state: LogState;
  /** Index of the batch's first entry; the rest follow in order. */
  readonly firstIndex: number;
}

export async function integrate(state: LogState, entries: readonly Uint8Array[], ctx: IntegrateContext): Promise<Integrated> {
  const older = state.range.size;
  const range = state.range.clone();
  const newer = older + entries.length;

  // Tiles and bundles touched by this batch, starting from the partial ones already stored.
  const tiles = new Map<string, Uint8Array[]>();
  for (const [level, tile] of state.edgeTiles) tiles.set(`${level}/${tile.index}`, [...tile.hashes]);
  const bundles = new Map<number, Uint8Array[]>();
  if (older % TILE_WIDTH !== 0) bundles.set(Math.floor(older / TILE_WIDTH), [...state.edgeBundle]);

  for (const [i, entry] of entries.entries()) {
    const index = older + i;
    const bundleIndex = Math.floor(index / TILE_WIDTH);
    const bundle = bundles.get(bundleIndex) ?? [];
    bundle.push(entry);
    bundles.set(bundleIndex, bundle);
    range.append(hashLeaf(entry), (level, nodeIndex, hash) => {
      // Only every 8th tree level is stored; the levels between are recomputed from it.
      if (level % TILE_HEIGHT !== 0) return;
      const key = `${level / TILE_HEIGHT}/${Math.floor(nodeIndex / TILE_WIDTH)}`;
      const row = tiles.get(key) ?? [];
      if (row.length !== nodeIndex % TILE_WIDTH) throw new Error(`tile ${key} out of step at node ${nodeIndex}`);
      row.push(hash);
      tiles.set(key, row);
    });
  }

  await Promise.all(
    [...bundles].map(([index, list]) => ctx.storage.writeEntryBundle(index, list.length, encodeBundle(list))),
  );
  const changed = changedTiles(older, newer);
  await Promise.all(
    changed.map((tile) => {
      const row = tiles.get(`${tile.level}/${tile.index}`);
      if (!row || row.length !== tile.width) throw new Error(`tile ${tile.level}/${tile.index} has ${row?.length ?? 0} hashes, expected ${tile.width}`);
      return ctx.storage.writeTile(tile, concat(row));
    }),
  );
  const checkpoint = signCheckpoint({ origin: ctx.origin, size: BigInt(newer), rootHash: range.root(), extensions: [] }, ctx.keys, ctx.nowSeconds());
  await ctx.storage.writeCheckpoint(new TextEncoder().encode(checkpoint));

  const edgeTiles = new Map(state.edgeTiles);
  for (const tile of changed) {
    if (tile.width < TILE_WIDTH) edgeTiles.set(tile.level, { index: tile.index, hashes: tiles.get(`${tile.level}/${tile.index}`) ?? [] });
    else if (edgeTiles.get(tile.level)?.index === tile.index) edgeTiles.delete(tile.level);
  }
  const lastBundle = newer % TILE_WIDTH === 0 ? [] : (bundles.get(Math.floor(newer / TILE_WIDTH)) ?? []);
  return { state: { range, edgeTiles, edgeBundle: lastBundle, checkpoint }, firstIndex: older };
}

export function concat(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
  return out;
}
