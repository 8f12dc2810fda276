// The local-disk backend: one file per resource at its tlog-tiles path under `dir`, written durably
// (durable-files.ts). The directory is resolved to an absolute path once, here, so a later change of
// working directory cannot redirect the log. A writer holds the directory's lock (writer-lock.ts)
// and checks before each write that the directory is still the one it locked: one that was
// deleted or replaced fails the write instead of receiving a log without its history.
import { mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Registry } from "prom-client";
import { entriesPath, parseTilePath, tilePath, type TileRef } from "../../merkle/tile-path.js";
import type { LogStorage } from "../storage.js";
import { MissingRootError, removeDurably, removeTemporaryFiles, walkFiles, writeDurably } from "./durable-files.js";
import { PosixStorageMetrics, type DiskOp } from "./metrics.js";
import { WriterLock } from "./writer-lock.js";

export const CHECKPOINT_PATH = "checkpoint";

export interface PosixStorageOptions {
  /** Where the backend's metrics go (the controller's registry); none when omitted. */
  readonly registry?: Registry;
}

interface DirIdentity {
  readonly dev: number;
  readonly ino: number;
}

export class PosixStorage implements LogStorage {
  /** Absolute. */
  readonly dir: string;
  private readonly metrics: PosixStorageMetrics | undefined;
  private lock: WriterLock | undefined;
  private identity: DirIdentity | undefined;

  constructor(dir: string, options: PosixStorageOptions = {}) {
    this.dir = resolve(dir);
    this.metrics = options.registry ? PosixStorageMetrics.on(options.registry) : undefined;
  }

  readCheckpoint(): Promise<Uint8Array | undefined> {
    return this.read(CHECKPOINT_PATH);
  }

  writeCheckpoint(note: Uint8Array): Promise<void> {
    return this.write(CHECKPOINT_PATH, note);
  }

  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return this.read(tilePath({ level, index, width }));
  }

  writeTile(tile: TileRef, hashes: Uint8Array): Promise<void> {
    return this.write(tilePath(tile), hashes);
  }

  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined> {
    return this.read(entriesPath(index, width));
  }

  writeEntryBundle(index: number, width: number, bundle: Uint8Array): Promise<void> {
    return this.write(entriesPath(index, width), bundle);
  }

  /** The log's files; the lock file and temporary files (names starting with ".") are not listed. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    await walkFiles(this.dir, (path) => {
      out.push(path);
    });
    return out.sort();
  }

  async remove(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      if (parseTilePath(path).error) throw new RangeError(`remove: ${JSON.stringify(path)} is not a tile or entry bundle path`);
    }
    if (paths.length === 0) return;
    await this.guard("remove", async () => {
      await this.checkIdentity();
      const removed = await removeDurably(this.dir, paths, this.observeSync);
      this.metrics?.filesRemoved.inc(removed);
    });
  }

  /** Creates the directory on first use, takes its lock and clears temporary files a dead writer left. */
  async lockWriter(): Promise<void> {
    if (this.lock?.held) throw new Error(`ledger directory ${this.dir} is already locked by this storage`);
    await this.guard("lock", async () => {
      await mkdir(this.dir, { recursive: true });
      this.lock = await WriterLock.acquire(this.dir);
      const s = await stat(this.dir);
      this.identity = { dev: s.dev, ino: s.ino };
      await removeTemporaryFiles(this.dir);
    });
  }

  async unlockWriter(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    this.identity = undefined;
    await lock?.release();
  }

  private async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.dir, path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  private write(path: string, bytes: Uint8Array): Promise<void> {
    return this.guard("write", async () => {
      await this.checkIdentity();
      await writeDurably(this.dir, path, bytes, this.observeSync);
      this.metrics?.writes.inc();
      this.metrics?.bytesWritten.inc(bytes.length);
    });
  }

  /** While this storage holds the lock: the directory must be the very one it locked. */
  private async checkIdentity(): Promise<void> {
    if (!this.identity) return;
    let s;
    try {
      s = await stat(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new MissingRootError(this.dir);
      throw e;
    }
    if (s.dev !== this.identity.dev || s.ino !== this.identity.ino) {
      throw new Error(`ledger directory ${this.dir} was replaced by another directory since the log opened it; restart to open it anew`);
    }
  }

  private readonly observeSync = (seconds: number): void => {
    this.metrics?.fsyncSeconds.observe(seconds);
  };

  private async guard(op: DiskOp, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.metrics?.errors.inc({ op });
      throw e;
    }
  }
}
