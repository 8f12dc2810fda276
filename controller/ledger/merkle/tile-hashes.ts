// Node hashes and roots computed from stored tiles, so proofs and roots can be served for any tree
// size the tiles describe. A node 8·L + r levels up is the fold of 2^r hashes of a level-L tile.

import { Code, ControllerError, type Parsed } from "../../errors/controller-error.js";
import { HASH_SIZE, copyHash, emptyRoot, hashChildren } from "./hash.js";
import { type TileRef, nodeTile, tilePath, tileWidth } from "./tile-path.js";
import { CompactRange, type NodeId, type NodeSource, foldRight, nodeSpan, perfectNodes } from "./tree.js";

/** Returns the `width` hashes (width × 32 bytes) of tile (tileLevel, tileIndex) as stored. */
export type TileReader = (tileLevel: number, tileIndex: number, width: number) => Uint8Array;

/**
 * A NodeSource over the tiles of a tree of `size` leaves. Each tile is read at most once per
 * source. It throws for a node not complete at `size` (a caller bug) and, with Code.Internal, for
 * a tile of the wrong length (damaged storage).
 */
export function tileNodeSource(read: TileReader, size: number): NodeSource {
  const tiles = new Map<string, Uint8Array>();
  const readTile = (tile: TileRef): Uint8Array => {
    const key = tilePath(tile);
    let bytes = tiles.get(key);
    if (!bytes) {
      bytes = read(tile.level, tile.index, tile.width);
      if (bytes.length !== tile.width * HASH_SIZE) {
        throw new ControllerError(Code.Internal, `${key} holds ${bytes.length} bytes, expected ${tile.width * HASH_SIZE}`);
      }
      tiles.set(key, bytes);
    }
    return bytes;
  };
  return (level, index) => {
    if (nodeSpan({ level, index }).end > size) throw new RangeError(`node (${level}, ${index}) is not complete in a tree of size ${size}`);
    const at = nodeTile(level, index);
    const bytes = readTile({ level: at.tileLevel, index: at.tileIndex, width: tileWidth(at.tileLevel, at.tileIndex, size) });
    let row: Uint8Array[] = [];
    for (let i = at.offset; i < at.offset + at.count; i++) row.push(bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    while (row.length > 1) {
      const up: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += 2) up.push(hashChildren(row[i] as Uint8Array, row[i + 1] as Uint8Array));
      row = up;
    }
    return copyHash(row[0] as Uint8Array);
  };
}

/** The tiles a set of nodes is read from at `size`, without repeats: what to fetch ahead. */
export function tilesForNodes(nodes: readonly NodeId[], size: number): TileRef[] {
  const seen = new Map<string, TileRef>();
  for (const node of nodes) {
    const at = nodeTile(node.level, node.index);
    const tile = { level: at.tileLevel, index: at.tileIndex, width: tileWidth(at.tileLevel, at.tileIndex, size) };
    seen.set(tilePath(tile), tile);
  }
  return [...seen.values()];
}

/** The root of the tree of `size` leaves, or why the tiles cannot give it. */
export function tileRoot(read: TileReader, size: number): Parsed<Uint8Array> {
  if (size === 0) return { value: emptyRoot() };
  const hashes = frontierHashes(read, size);
  return hashes.error ? hashes : { value: foldRight(hashes.value) };
}

/** The right edge of the tree of `size` leaves, ready to append the next batch to. */
export function compactRangeFromTiles(read: TileReader, size: number): Parsed<CompactRange> {
  const hashes = frontierHashes(read, size);
  return hashes.error ? hashes : CompactRange.restore(size, hashes.value);
}

function frontierHashes(read: TileReader, size: number): Parsed<Uint8Array[]> {
  if (!Number.isSafeInteger(size) || size < 0) return { error: ControllerError.invalid("size", `must be a non-negative safe integer, got ${size}`) };
  const source = tileNodeSource(read, size);
  try {
    return { value: perfectNodes(0, size).map((n) => source(n.level, n.index)) };
  } catch (err) {
    if (err instanceof ControllerError) return { error: err };
    throw err;
  }
}
