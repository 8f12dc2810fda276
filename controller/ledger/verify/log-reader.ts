// The read side of a log, wherever it lives: a local directory (PosixStorage) or a controller's
// /ledger/ over HTTP. list() is optional: only a directory can say what else it holds.
export interface LogReader {
  readCheckpoint(): Promise<Uint8Array | undefined>;
  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined>;
  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined>;
  list?(): Promise<string[]>;
}
