import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Code } from "../../../../../controller/errors/controller-error.js";
import { LOCK_FILE, WriterLock } from "../../../../../controller/ledger/storage/posix/writer-lock.js";
import { tempDir } from "../../log/support.js";

const child = fileURLToPath(new URL("./lock-child.ts", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** Starts a process that takes the lock; resolves with its pid once it holds it. */
function holdInChild(dir: string): Promise<{ proc: ChildProcess; pid: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dir], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(proc);
    let out = "";
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^locked (\d+)\n/.exec(out);
      if (m) resolve({ proc, pid: Number(m[1]) });
    });
    proc.on("exit", (code) => reject(new Error(`lock child exited (${code}): ${err}`)));
  });
}

describe("WriterLock", () => {
  it("lets one holder at a time in one process, and names the directory and this process", async () => {
    const dir = await tempDir();
    const first = await WriterLock.acquire(dir);
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
    const refused = WriterLock.acquire(dir);
    await expect(refused).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await expect(refused).rejects.toThrow(`ledger directory ${dir} is in use by another writer (by this process: the log is already open)`);
    await first.release();
    expect(first.held).toBe(false);
    const second = await WriterLock.acquire(dir);
    expect(second.held).toBe(true);
    await second.release();
  });

  it("refuses while another process holds it, naming its pid, and is free as soon as that process is killed", { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const { proc, pid } = await holdInChild(dir);
    await expect(WriterLock.acquire(dir)).rejects.toThrow(`ledger directory ${dir} is in use by another writer (pid ${pid})`);
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
    // The kernel dropped the lock with the process: a restart after kill -9 is never blocked.
    const lock = await WriterLock.acquire(dir);
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
