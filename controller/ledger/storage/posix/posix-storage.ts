// The local-disk backend: one file per resource at its tlog-tiles path under `dir`. Every write
// goes to a temporary file that is fsynced, renamed into place, and then its directory fsynced, so
// after a crash each path holds either its old bytes or its new bytes, and a write that resolved
// survives power loss.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { entriesPath, tilePath, type TileRef } from "../../merkle/tile-path.js";
import type { LogStorage } from "../storage.js";

export const CHECKPOINT_PATH = "checkpoint";
const TEMP_SUFFIX = ".tmp";

export class PosixStorage implements LogStorage {
  constructor(readonly dir: string) {}

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

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (at: string): Promise<void> => {
      let names;
      try {
        names = await readdir(at, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
      }
      for (const d of names) {
        const path = join(at, d.name);
        if (d.isDirectory()) await walk(path);
        else if (!d.name.endsWith(TEMP_SUFFIX)) out.push(relative(this.dir, path).split(sep).join("/"));
      }
    };
    await walk(this.dir);
    return out.sort();
  }

  private async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.dir, path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  private async write(path: string, bytes: Uint8Array): Promise<void> {
    const target = join(this.dir, path);
    const parent = dirname(target);
    const created = await mkdir(parent, { recursive: true });
    const temp = join(parent, `.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    await syncDir(parent);
    // New directories are only durable once the directory holding each of them is synced too.
    if (created !== undefined) {
      for (let d = parent; d !== dirname(created); d = dirname(d)) await syncDir(dirname(d));
    }
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
