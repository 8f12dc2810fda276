// Storage faults under a running log, on real file systems: the directory moved away or deleted,
// a full disk (a small tmpfs) and a read-only one. In each: the log does not spin, says it is
// failing, recovers once the fault is gone, passes a full verify, and keeps every acknowledged
// entry. The disks are real mounts, so this needs root and mount(8).
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import type { Log, LogHealth } from "../../../../controller/ledger/log/append.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import type { LogStorage } from "../../../../controller/ledger/storage/storage.js";
import { verifyLog } from "../../../../controller/ledger/verify/verify-log.js";
import { readEntry } from "../../../../controller/ledger/read-log.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { crashEntry as entry } from "./crash-entry.js";
import { open, tempDir } from "./support.js";

const mounts: string[] = [];
const logs: Log[] = [];
afterEach(async () => {
  // Logs first: an open lock file keeps a mount busy.
  await Promise.all(logs.splice(0).map((l) => l.close({ timeoutMs: 500 })));
  for (const dir of mounts.splice(0).reverse()) {
    try {
      execFileSync("umount", [dir], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
    }
  }
});

function mount(args: string[], dir: string): void {
  try {
    execFileSync("mount", [...args, dir], { stdio: "pipe" });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? (e as Error).message;
    throw new Error(`this test needs root and mount(8) to make a real small or read-only disk (mount ${[...args, dir].join(" ")}): ${why}`);
  }
  mounts.push(dir);
}

/** Every call the log makes to its storage, counted. */
function counting(inner: PosixStorage): { storage: LogStorage; calls: () => number } {
  let calls = 0;
  const storage = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { storage, calls: () => calls };
}

function healthWhere(log: Log, want: (h: LogHealth) => boolean): Promise<LogHealth> {
  return new Promise((resolve) => {
    if (want(log.health)) return resolve(log.health);
    const off = log.onHealthChange((h) => {
      if (want(h)) {
        off();
        resolve(h);
      }
    });
  });
}

async function metric(registry: Registry, name: string): Promise<number> {
  return (await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values[0]?.value ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Watches the failing log for a second: storage calls stay within what the backoff allows
 * (retries from 20 ms doubling to 200 ms: under a dozen attempts, each a few calls) and the
 * process stays mostly idle. A spinning write shows as thousands of calls or a busy CPU.
 */
async function expectNoSpin(calls: () => number): Promise<void> {
  const before = calls();
  const cpu = process.cpuUsage();
  await sleep(1_000);
  const used = process.cpuUsage(cpu);
  expect(calls() - before).toBeLessThanOrEqual(60);
  expect((used.user + used.system) / 1e6).toBeLessThan(0.5);
}

/** Full audit (the entries are real records), and each acknowledged entry at its index. */
async function expectIntact(dir: string, acked: ReadonlyMap<number, number>): Promise<void> {
  const reader = new PosixStorage(dir);
  const verdict = await verifyLog(reader, { trusted, nowSeconds: NOW });
  expect(verdict.error).toBeUndefined();
  for (const [index, n] of acked) expect(Buffer.from(await readEntry(reader, index, verdict.value!.size)).equals(Buffer.from(entry(n)))).toBe(true);
}

const FAST_RETRIES = { retryMinMs: 20, retryMaxMs: 200 };

/** Appends entry(from..from+count); records the indices once all resolve. */
function appendNumbered(log: Log, from: number, count: number, acked: Map<number, number>): Promise<void> {
  const done = Promise.all(Array.from({ length: count }, (_, i) => log.append(entry(from + i)))).then((indices) => {
    indices.forEach((index, i) => acked.set(index, from + i));
  });
  // Awaited by the test; this only keeps a test that fails early from leaving it unhandled.
  done.catch(() => undefined);
  return done;
}

describe("a log whose storage fails", () => {
  it("moved away and back: fails without spinning, then resumes where it was", { timeout: 30_000 }, async () => {
    const dir = join(await tempDir(), "log");
    const registry = new Registry();
    const { storage, calls } = counting(new PosixStorage(dir));
    const log = await open(storage, { ...FAST_RETRIES, registry });
    logs.push(log);
    const acked = new Map<number, number>();
    await appendNumbered(log, 0, 20, acked);

    await rename(dir, `${dir}.away`);
    const failing = healthWhere(log, (h) => !h.ok);
    const waiting = appendNumbered(log, 20, 30, acked);
    expect(await failing).toMatchObject({ ok: false, lastError: `ledger directory ${dir} is missing`, pendingRecords: 30 });
    await expectNoSpin(calls);
    expect(existsSync(dir)).toBe(false);
    expect(await metric(registry, "solar_controller_ledger_failing")).toBe(1);
    expect(await metric(registry, "solar_controller_ledger_integration_failures_total")).toBeGreaterThanOrEqual(2);
    expect(await metric(registry, "solar_controller_ledger_integration_retries_total")).toBeGreaterThanOrEqual(1);
    expect(await metric(registry, "solar_controller_ledger_pending_records")).toBe(30);
    const integrated = await metric(registry, "solar_controller_ledger_integrations_total");

    await rename(`${dir}.away`, dir);
    await waiting;
    expect(log.health).toEqual({ ok: true, consecutiveFailures: 0, pendingRecords: 0 });
    expect(log.size).toBe(50);
    expect(await metric(registry, "solar_controller_ledger_failing")).toBe(0);
    expect(await metric(registry, "solar_controller_ledger_size")).toBe(50);
    expect(await metric(registry, "solar_controller_ledger_pending_records")).toBe(0);
    expect(await metric(registry, "solar_controller_ledger_integrations_total")).toBe(integrated + 1);
    await log.close();
    await expectIntact(dir, acked);
  });

  it("deleted: keeps failing without recreating it, even when an empty one appears, and closes promptly", { timeout: 30_000 }, async () => {
    const dir = join(await tempDir(), "log");
    const { storage, calls } = counting(new PosixStorage(dir));
    const log = await open(storage, FAST_RETRIES);
    logs.push(log);
    await appendNumbered(log, 0, 5, new Map());
    await rm(dir, { recursive: true });
    const failing = healthWhere(log, (h) => !h.ok);
    const lost = log.append(entry(5)).catch((e: unknown) => e);
    await failing;
    await expectNoSpin(calls);
    expect(existsSync(dir)).toBe(false);
    // An empty directory in its place is not the log: writing the new tiles there would publish a
    // checkpoint whose history is gone.
    await mkdir(dir);
    await healthWhere(log, (h) => /was replaced by another directory/.test(h.lastError ?? ""));
    expect(await readdir(dir)).toEqual([]);
    await log.close({ timeoutMs: 5_000 });
    expect(await lost).toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("closed before the record was durable") });
  });

  it("on a full disk: fails without spinning or leaking space, then resumes when space is freed", { timeout: 30_000 }, async () => {
    const dir = join(await tempDir(), "disk");
    await mkdir(dir);
    mount(["-t", "tmpfs", "-o", "size=256k", "tmpfs"], dir);
    const { storage, calls } = counting(new PosixStorage(dir));
    const log = await open(storage, FAST_RETRIES);
    logs.push(log);
    const acked = new Map<number, number>();
    await appendNumbered(log, 0, 10, acked);

    // Fill what is left, down to the last page.
    const fillers: string[] = [];
    for (let i = 0; ; i++) {
      const path = join(dir, `filler-${i}`);
      fillers.push(path);
      try {
        await writeFile(path, Buffer.alloc(i === 0 ? 512 * 1024 : 4096, 1));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
        if (i > 0) break;
      }
    }
    const failing = healthWhere(log, (h) => !h.ok);
    const waiting = appendNumbered(log, 10, 20, acked);
    expect((await failing).lastError).toMatch(/ENOSPC/);
    await expectNoSpin(calls);

    await Promise.all(fillers.map((f) => rm(f, { force: true })));
    await waiting;
    expect(log.health.ok).toBe(true);
    await log.close();
    // Every write that failed midway removed its temporary file, so retries did not eat the disk.
    expect((await readdir(dir, { recursive: true })).filter((p) => p.endsWith(".tmp"))).toEqual([]);
    await expectIntact(dir, acked);
  });

  it("on a disk that turned read-only: fails without spinning, then resumes once it is writable", { timeout: 30_000 }, async () => {
    const dir = join(await tempDir(), "disk");
    await mkdir(dir);
    mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs"], dir);
    const { storage, calls } = counting(new PosixStorage(dir));
    const log = await open(storage, FAST_RETRIES);
    logs.push(log);
    const acked = new Map<number, number>();
    await appendNumbered(log, 0, 10, acked);

    // The kernel refuses `remount,ro` of a file system with files open for writing (the writer
    // lock is one), as it would refuse an operator; a read-only bind mount over the directory
    // models what the kernel itself does on I/O errors (errors=remount-ro).
    mount(["--bind", dir], dir);
    mount(["-o", "remount,ro,bind"], dir);
    mounts.pop(); // the same mount, made read-only
    const failing = healthWhere(log, (h) => !h.ok);
    const waiting = appendNumbered(log, 10, 20, acked);
    expect((await failing).lastError).toMatch(/EROFS/);
    await expectNoSpin(calls);

    execFileSync("umount", [dir], { stdio: "pipe" });
    mounts.pop();
    await waiting;
    expect(log.health.ok).toBe(true);
    await log.close();
    await expectIntact(dir, acked);
  });

  it("at a relative path whose working directory is deleted: fails once, no spin, and close() ends it", { timeout: 30_000 }, async () => {
    const cwd = await tempDir();
    const child = fileURLToPath(new URL("./lost-cwd-child.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
    const lines = await new Promise<string[]>((resolve, reject) => {
      const proc = spawn(process.execPath, ["--import", tsx, child], { cwd, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      // A write that spins never lets the child finish.
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
      proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out.trim().split("\n"));
        else reject(new Error(`child ${signal ?? `exit ${code}`} after: ${JSON.stringify(out)} ${err}`));
      });
    });
    expect(lines).toEqual([
      "appended 0",
      `failing ledger directory ${join(cwd, "data/ledger")} is missing`,
      expect.stringMatching(/^rejected ledger closed before the record was durable/),
      "closed",
    ]);
  });
});
