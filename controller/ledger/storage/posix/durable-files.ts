// Durable file operations under one root directory. A write goes to a temporary file that is
// fsynced, renamed into place, and then its directory fsynced (and the directory holding each
// directory it had to create), so after a crash a path holds its old bytes or its new bytes, and a
// write that resolved survives power loss. The root itself is never created here: a ledger
// directory that vanished (unmounted, deleted) must fail writes, not be silently started afresh.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";

export const TEMP_SUFFIX = ".tmp";
const TEMP_NAME = /^\.[0-9a-f]{12}\.tmp$/;

/** Told how long each fsync took, in seconds. */
export type SyncObserver = (seconds: number) => void;

export class MissingRootError extends Error {
  constructor(readonly root: string) {
    super(`ledger directory ${root} is missing`);
    this.name = "MissingRootError";
  }
}

/** Writes `bytes` at `path` (relative, "/"-separated) under the absolute `root`. */
export async function writeDurably(root: string, path: string, bytes: Uint8Array, observe?: SyncObserver): Promise<void> {
  const target = join(root, path);
  const parent = dirname(target);
  const temp = join(parent, `.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
  let created: string[] = [];
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    created = await makeParents(root, parent);
    handle = await open(temp, "wx", 0o644);
  }
  try {
    await handle.writeFile(bytes);
    await timedSync(handle, observe);
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (e) {
    // Also on a full disk: a half-written temporary file must not keep the space.
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncDir(parent, observe);
  // A new directory is only durable once the directory holding it is synced too.
  for (const dir of created) await syncDir(dirname(dir), observe);
}

/** Unlinks files (absent ones are fine) and the `.p` directories they leave empty; returns how many files went. */
export async function removeDurably(root: string, paths: readonly string[], observe?: SyncObserver): Promise<number> {
  const touched = new Set<string>();
  let removed = 0;
  for (const path of paths) {
    const target = join(root, path);
    try {
      await unlink(target);
      removed++;
      touched.add(dirname(target));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  for (const dir of [...touched]) {
    if (!dir.endsWith(".p")) continue;
    try {
      await rmdir(dir);
      touched.delete(dir);
      touched.add(dirname(dir));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") throw e;
    }
  }
  for (const dir of touched) await syncDir(dir, observe);
  return removed;
}

/**
 * Calls `visit` with the "/"-separated relative path of every file below `root`, skipping names that
 * start with "." unless `hidden`. A missing root is an empty tree.
 */
export async function walkFiles(root: string, visit: (path: string, name: string) => void | Promise<void>, hidden = false): Promise<void> {
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
      else if (hidden || !d.name.startsWith(".")) await visit(relative(root, path).split(sep).join("/"), d.name);
    }
  };
  await walk(root);
}

/** Deletes the temporary files a writer that died mid-write left behind; returns how many. */
export async function removeTemporaryFiles(root: string): Promise<number> {
  const leftovers: string[] = [];
  await walkFiles(root, (path, name) => {
    if (TEMP_NAME.test(name)) leftovers.push(path);
  }, true);
  for (const path of leftovers) await unlink(join(root, path)).catch(() => undefined);
  return leftovers.length;
}

export async function syncDir(path: string, observe?: SyncObserver): Promise<void> {
  const handle = await open(path, "r");
  try {
    await timedSync(handle, observe);
  } finally {
    await handle.close();
  }
}

/** Creates the directories between `root` (which must exist) and `dir`, top down; returns those it made. */
async function makeParents(root: string, dir: string): Promise<string[]> {
  const created: string[] = [];
  let at = root;
  for (const part of relative(root, dir).split(sep).filter((p) => p !== "")) {
    at = join(at, part);
    try {
      await mkdir(at);
      created.push(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      if (code === "ENOENT" && at === join(root, part)) throw new MissingRootError(root);
      throw e;
    }
  }
  if (created.length === 0) await assertDirectory(root);
  return created;
}

async function assertDirectory(root: string): Promise<void> {
  try {
    if (!(await stat(root)).isDirectory()) throw new Error(`ledger directory ${root} is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new MissingRootError(root);
    throw e;
  }
}

async function timedSync(handle: FileHandle, observe?: SyncObserver): Promise<void> {
  const started = performance.now();
  await handle.sync();
  observe?.((performance.now() - started) / 1000);
}
