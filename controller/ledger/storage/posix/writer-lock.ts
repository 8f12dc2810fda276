// One writer per log directory: an exclusive kernel lock (an open-file-description lock through
// fs-native-extensions) on `<dir>/.lock`, held for as long as the log is open. The kernel drops it
// when the process dies, kill -9 included, so a restart is never blocked by a stale lock; two
// opens in one process conflict as two processes do. The file records the holder's pid, so a
// refused writer can say who has the directory.
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Code, ControllerError } from "../../../errors/controller-error.js";

export const LOCK_FILE = ".lock";

interface NativeLocks {
  tryLock(fd: number): boolean;
  unlock(fd: number): void;
}

// A native addon without type declarations; these are the two calls used.
const native = createRequire(import.meta.url)("fs-native-extensions") as NativeLocks;

export class WriterLock {
  private constructor(private handle: FileHandle | undefined) {}

  /** Takes the lock on `dir` (which must exist) or refuses, naming the directory and the holder. */
  static async acquire(dir: string): Promise<WriterLock> {
    // Opened for writing because an exclusive lock needs it; never truncated before it is ours.
    const handle = await open(join(dir, LOCK_FILE), constants.O_RDWR | constants.O_CREAT, 0o644);
    let granted: boolean;
    try {
      granted = native.tryLock(handle.fd);
    } catch (e) {
      await handle.close();
      throw e;
    }
    if (!granted) {
      const holder = (await handle.readFile("utf8").catch(() => "")).trim();
      await handle.close();
      const who = /^[0-9]+$/.test(holder)
        ? Number(holder) === process.pid ? " (by this process: the log is already open)" : ` (pid ${holder})`
        : "";
      throw new ControllerError(Code.FailedPrecondition, `ledger directory ${dir} is in use by another writer${who}; only one controller may write a ledger`);
    }
    try {
      await handle.truncate(0);
      await handle.write(`${process.pid}\n`, 0);
    } catch (e) {
      native.unlock(handle.fd);
      await handle.close();
      throw e;
    }
    return new WriterLock(handle);
  }

  get held(): boolean {
    return this.handle !== undefined;
  }

  async release(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    // The file stays: deleting it would let a second writer lock a fresh file while a third still
    // holds the old one.
    try {
      native.unlock(handle.fd);
    } finally {
      await handle.close();
    }
  }
}
