// Recovery when a log opens. The checkpoint is the only commit point: a tile or bundle wider than
// the checkpoint's size implies, or past its end, was written by an integration that never
// published. Its entries' appends never resolved, so nothing acknowledged is in it, but left on
// disk it would be wrong once the log grows past it with other entries: a reader or an audit
// would find a "partial copy from an older size" that contradicts the current one. So every such
// file is deleted, durably, before the log takes appends.
import { parseTilePath, tileWidth, type TileResource } from "../merkle/tile-path.js";
import type { LogStorage } from "../storage/storage.js";
import type { LogWarning } from "./options.js";

/** Tile and bundle paths among `paths` that a tree of `size` entries does not cover. */
export function beyondCheckpoint(paths: readonly string[], size: number): string[] {
  return paths.filter((path) => {
    const parsed = parseTilePath(path);
    return !parsed.error && parsed.value.width > coveredWidth(parsed.value, size);
  });
}

/** Width of the resource's tile or bundle at `size`: 0 when the tree does not reach it yet. */
export function coveredWidth(r: TileResource, size: number): number {
  return tileWidth(r.kind === "tile" ? r.level : 0, r.index, size);
}

/**
 * Deletes what lies beyond the checkpoint of `size` entries and returns the paths that remain.
 * Reports what it deleted, since it means the previous writer died mid-integration.
 */
export async function removeBeyondCheckpoint(storage: LogStorage, size: number, warn: LogWarning): Promise<string[]> {
  const listed = await storage.list();
  const beyond = beyondCheckpoint(listed, size);
  if (beyond.length === 0) return listed;
  await storage.remove(beyond);
  warn("ledger: removed tiles and bundles beyond the checkpoint, left by an integration that did not finish", {
    size, removed: beyond.length, first: beyond[0],
  });
  const gone = new Set(beyond);
  return listed.filter((p) => !gone.has(p));
}
