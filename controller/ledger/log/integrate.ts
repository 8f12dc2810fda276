// Integration: one batch of entries becomes part of the tree. Indices are assigned in order and
// the changed tiles worked out in memory (prepareIntegration), then the writes go entries → tiles
// → checkpoint, each group finished before the next starts, so a published checkpoint never names
// data that is not stored. Works on copies of the state: the caller adopts the new state only when
// every write, checkpoint last, has succeeded.
import type { LogKeys } from "../checkpoint/key-store.js";
import { signCheckpoint } from "../checkpoint/sign.js";
import { HASH_SIZE, hashLeaf } from "../merkle/hash.js";
import { TILE_HEIGHT, TILE_WIDTH, changedTiles, type TileRef, type TileResource } from "../merkle/tile-path.js";
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
  /** POSIX seconds for the new checkpoint's cosignature (never below the previous one's). */
  readonly timestamp: () => number;
}

export interface Integrated {
  readonly state: LogState;
  /** Index of the batch's first entry; the rest follow in order. */
  readonly firstIndex: number;
}

/** An integration worked out in memory: what it will write, before any of it is written. */
export interface PreparedIntegration {
  readonly older: number;
  readonly newer: number;
  readonly range: CompactRange;
  readonly bundles: ReadonlyMap<number, readonly Uint8Array[]>;
  readonly tiles: readonly { readonly tile: TileRef; readonly hashes: readonly Uint8Array[] }[];
  readonly previous: LogState;
}

export async function integrate(state: LogState, entries: readonly Uint8Array[], ctx: IntegrateContext): Promise<Integrated> {
  return storeIntegration(prepareIntegration(state, entries), ctx);
}

/** Assigns indices, hashes the entries and collects the bundles and tiles they change. Pure. */
export function prepareIntegration(state: LogState, entries: readonly Uint8Array[]): PreparedIntegration {
  const older = state.range.size;
  const range = state.range.clone();
  const newer = older + entries.length;

  // Tiles and bundles touched by this batch, starting from the partial ones already stored.
  const rows = new Map<string, Uint8Array[]>();
  for (const [level, tile] of state.edgeTiles) rows.set(`${level}/${tile.index}`, [...tile.hashes]);
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
      const row = rows.get(key) ?? [];
      if (row.length !== nodeIndex % TILE_WIDTH) throw new Error(`tile ${key} out of step at node ${nodeIndex}`);
      row.push(hash);
      rows.set(key, row);
    });
  }
  const tiles = changedTiles(older, newer).map((tile) => {
    const row = rows.get(`${tile.level}/${tile.index}`);
    if (!row || row.length !== tile.width) throw new Error(`tile ${tile.level}/${tile.index} has ${row?.length ?? 0} hashes, expected ${tile.width}`);
    return { tile, hashes: row };
  });
  return { older, newer, range, bundles, tiles, previous: state };
}

/** Every tile and bundle the integration writes, as tlog-tiles resources. */
export function resourcesOf(p: PreparedIntegration): TileResource[] {
  return [
    ...[...p.bundles].map(([index, list]): TileResource => ({ kind: "entries", index, width: list.length })),
    ...p.tiles.map(({ tile }): TileResource => ({ kind: "tile", ...tile })),
  ];
}

/** Writes bundles, then tiles, then the signed checkpoint, each group settled before the next starts. */
export async function storeIntegration(p: PreparedIntegration, ctx: IntegrateContext): Promise<Integrated> {
  await allSettledOrThrow([...p.bundles].map(([index, list]) => ctx.storage.writeEntryBundle(index, list.length, encodeBundle(list))));
  await allSettledOrThrow(p.tiles.map(({ tile, hashes }) => ctx.storage.writeTile(tile, concat(hashes))));
  const checkpoint = signCheckpoint({ origin: ctx.origin, size: BigInt(p.newer), rootHash: p.range.root(), extensions: [] }, ctx.keys, ctx.timestamp());
  await ctx.storage.writeCheckpoint(new TextEncoder().encode(checkpoint));

  const edgeTiles = new Map(p.previous.edgeTiles);
  for (const { tile, hashes } of p.tiles) {
    if (tile.width < TILE_WIDTH) edgeTiles.set(tile.level, { index: tile.index, hashes });
    else if (edgeTiles.get(tile.level)?.index === tile.index) edgeTiles.delete(tile.level);
  }
  const lastBundle = p.newer % TILE_WIDTH === 0 ? [] : (p.bundles.get(Math.floor(p.newer / TILE_WIDTH)) ?? []);
  return { state: { range: p.range, edgeTiles, edgeBundle: lastBundle, checkpoint }, firstIndex: p.older };
}

/**
 * Waits for every write of a group, then throws the first failure: an attempt is over only when
 * none of its writes is still running, so a retry never races a straggler of the attempt before.
 */
async function allSettledOrThrow(writes: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

export function concat(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
  return out;
}
