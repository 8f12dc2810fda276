// Shared helpers for the log tests: a temporary directory, a log over it with the fixed test keys,
// storage wrappers that record or fail writes, and readers for what ended up on disk.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { hashLeaf } from "../../../../controller/ledger/merkle/hash.js";
import { tileNodeSource } from "../../../../controller/ledger/merkle/tile-hashes.js";
import { tilePath, tilesForSize, type TileRef } from "../../../../controller/ledger/merkle/tile-path.js";
import type { NodeSource } from "../../../../controller/ledger/merkle/tree.js";
import type { Log } from "../../../../controller/ledger/log/append.js";
import { openLog } from "../../../../controller/ledger/log/open.js";
import type { LogOptions } from "../../../../controller/ledger/log/options.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import type { LogStorage } from "../../../../controller/ledger/storage/storage.js";
import { NOW, ORIGIN, keys } from "../checkpoint/fixed-keys.js";

const dirs: string[] = [];
const logs: Log[] = [];
afterEach(async () => {
  // Closed first: each holds its directory's writer lock.
  await Promise.all(logs.splice(0).map((l) => l.close({ timeoutMs: 1_000 })));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ledger-log-"));
  dirs.push(dir);
  return dir;
}

/** A log with the fixed keys and a frozen clock, closed after the test. */
export async function open(storage: LogStorage, extra: Partial<LogOptions> = {}): Promise<Log> {
  const log = await openLog({ origin: ORIGIN, keys, storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 5, ...extra });
  logs.push(log);
  return log;
}

export function entry(i: number): Uint8Array {
  return new TextEncoder().encode(`record-${i}-${"x".repeat(i % 37)}`);
}

export function leafHashesOf(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => hashLeaf(entry(i)));
}

export function appendMany(log: Log, from: number, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => log.append(entry(from + i))));
}

/** A NodeSource over the tiles stored for `size`, read up front because tileNodeSource is sync. */
export async function storedNodeSource(storage: LogStorage, size: number): Promise<NodeSource> {
  const tiles = new Map<string, Uint8Array>();
  for (const t of tilesForSize(size)) {
    const bytes = await storage.readTile(t.level, t.index, t.width);
    if (bytes) tiles.set(tilePath(t), bytes);
  }
  return tileNodeSource((level, index, width) => {
    const bytes = tiles.get(tilePath({ level, index, width }));
    if (!bytes) throw new Error(`missing ${tilePath({ level, index, width })}`);
    return bytes;
  }, size);
}

export type WriteKind = "checkpoint" | "tile" | "entries" | "remove";

/** Passes everything through to `inner`, noting each completed write; can fail the n-th write. */
export class RecordingStorage implements LogStorage {
  readonly writes: { kind: WriteKind; path: string }[] = [];
  /** Writes still allowed before every further write throws; Infinity never fails. */
  allowWrites = Infinity;

  constructor(readonly inner: PosixStorage) {}

  readCheckpoint() {
    return this.inner.readCheckpoint();
  }
  readTile(level: number, index: number, width: number) {
    return this.inner.readTile(level, index, width);
  }
  readEntryBundle(index: number, width: number) {
    return this.inner.readEntryBundle(index, width);
  }
  list() {
    return this.inner.list();
  }
  lockWriter() {
    return this.inner.lockWriter();
  }
  unlockWriter() {
    return this.inner.unlockWriter();
  }
  async remove(paths: readonly string[]) {
    await this.gate();
    await this.inner.remove(paths);
    this.writes.push(...paths.map((path) => ({ kind: "remove" as const, path })));
  }
  async writeCheckpoint(note: Uint8Array) {
    await this.gate();
    await this.inner.writeCheckpoint(note);
    this.writes.push({ kind: "checkpoint", path: "checkpoint" });
  }
  async writeTile(tile: TileRef, hashes: Uint8Array) {
    await this.gate();
    await this.inner.writeTile(tile, hashes);
    this.writes.push({ kind: "tile", path: tilePath(tile) });
  }
  async writeEntryBundle(index: number, width: number, bundle: Uint8Array) {
    await this.gate();
    await this.inner.writeEntryBundle(index, width, bundle);
    this.writes.push({ kind: "entries", path: `entries/${index}/${width}` });
  }

  private async gate(): Promise<void> {
    if (this.allowWrites <= 0) throw new Error("simulated crash");
    this.allowWrites--;
  }
}
