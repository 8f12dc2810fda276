// The one contract every ledger storage backend meets, so a database backend can replace the local
// disk without touching the log. Paths and bytes follow c2sp.org/tlog-tiles; each write must be
// durable and atomic (all or nothing) when its promise resolves.
import type { TileRef } from "../merkle/tile-path.js";

export interface LogStorage {
  /** The signed checkpoint note, or undefined for a log that has none yet. */
  readCheckpoint(): Promise<Uint8Array | undefined>;
  /** Replaces the checkpoint atomically: readers see the old note or the new one, never a mix. */
  writeCheckpoint(note: Uint8Array): Promise<void>;
  /** The `width` hashes (width × 32 bytes) of a tile, or undefined when it is not stored. */
  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined>;
  writeTile(tile: TileRef, hashes: Uint8Array): Promise<void>;
  /** An entry bundle (uint16 length-prefixed entries) holding `width` entries. */
  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined>;
  writeEntryBundle(index: number, width: number, bundle: Uint8Array): Promise<void>;
  /** Every stored resource by its tlog-tiles path ("checkpoint", "tile/0/000.p/3", …), sorted. */
  list(): Promise<string[]>;
  /**
   * Deletes tiles and entry bundles by tlog-tiles path; one already gone is fine. Resolves once the
   * deletions are durable. Refuses the checkpoint and anything that is not a tile or bundle path.
   */
  remove(paths: readonly string[]): Promise<void>;
  /**
   * Makes this the only writer of the log until unlockWriter(), or until the process dies. Refuses
   * with Code.FailedPrecondition, naming the log and the holder where known, if another has it.
   */
  lockWriter(): Promise<void>;
  unlockWriter(): Promise<void>;
}
