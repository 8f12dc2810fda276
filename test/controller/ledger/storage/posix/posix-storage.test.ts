import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PosixStorage } from "../../../../../controller/ledger/storage/posix/posix-storage.js";
import { tempDir } from "../../log/support.js";

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("PosixStorage", () => {
  it("writes resources at their tlog-tiles paths, partial ones under .p/<W>", async () => {
    const dir = await tempDir();
    const s = new PosixStorage(dir);
    await s.writeTile({ level: 0, index: 1234067, width: 256 }, Uint8Array.of(1));
    await s.writeTile({ level: 2, index: 0, width: 5 }, Uint8Array.of(2));
    await s.writeEntryBundle(3, 17, Uint8Array.of(3));
    await s.writeCheckpoint(Uint8Array.of(4));
    expect(await s.list()).toEqual(["checkpoint", "tile/0/x001/x234/067", "tile/2/000.p/5", "tile/entries/003.p/17"]);
    expect([...(await readFile(join(dir, "tile/entries/003.p/17")))]).toEqual([3]);
    expect(await s.readTile(2, 0, 5)).toEqual(Uint8Array.of(2));
    expect(await s.readEntryBundle(3, 17)).toEqual(Uint8Array.of(3));
    expect(await s.readCheckpoint()).toEqual(Uint8Array.of(4));
  });

  it("reads a missing resource as undefined and lists an empty directory as nothing", async () => {
    const s = new PosixStorage(join(await tempDir(), "not-yet"));
    expect(await s.readCheckpoint()).toBeUndefined();
    expect(await s.readTile(0, 0, 256)).toBeUndefined();
    expect(await s.list()).toEqual([]);
  });

  it("replaces a file whole and leaves no temporary files behind", async () => {
    const dir = await tempDir();
    const s = new PosixStorage(dir);
    await s.writeCheckpoint(new Uint8Array(1000).fill(1));
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.writeCheckpoint(new Uint8Array(10 + i).fill(i))));
    const final = (await s.readCheckpoint())!;
    expect(final.every((b) => b === final.length - 10)).toBe(true);
    expect(await readdir(dir)).toEqual(["checkpoint"]);
  });

  it("does not list temporary files a crash left behind, nor the lock file, and a writer clears the former", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "tile/0"), { recursive: true });
    await writeFile(join(dir, ".0123456789ab.tmp"), "x");
    await writeFile(join(dir, "tile/0/.ba9876543210.tmp"), "x");
    const s = new PosixStorage(dir);
    await s.writeCheckpoint(Uint8Array.of(1));
    expect(await s.list()).toEqual(["checkpoint"]);
    await s.lockWriter();
    try {
      expect((await readdir(dir)).sort()).toEqual([".lock", "checkpoint", "tile"]);
      expect(await readdir(join(dir, "tile/0"))).toEqual([]);
      expect(await s.list()).toEqual(["checkpoint"]);
    } finally {
      await s.unlockWriter();
    }
  });

  it("works from an absolute path, whatever the working directory later becomes", async () => {
    const dir = await tempDir();
    const s = new PosixStorage(relative(process.cwd(), join(dir, "log")));
    expect(isAbsolute(s.dir)).toBe(true);
    expect(s.dir).toBe(join(dir, "log"));
  });

  it("never recreates a directory that vanished: the write fails and names it", async () => {
    const dir = join(await tempDir(), "log");
    const s = new PosixStorage(dir);
    await s.lockWriter();
    await s.writeTile({ level: 0, index: 0, width: 1 }, Uint8Array.of(1));
    await rm(dir, { recursive: true });
    for (const write of [() => s.writeTile({ level: 0, index: 0, width: 2 }, Uint8Array.of(1)), () => s.writeCheckpoint(Uint8Array.of(1))]) {
      await expect(write()).rejects.toThrow(`ledger directory ${dir} is missing`);
    }
    expect(existsSync(dir)).toBe(false);
    await s.unlockWriter();
    // Not locked, the same holds: only lockWriter creates the directory.
    await expect(new PosixStorage(dir).writeEntryBundle(0, 1, Uint8Array.of(1))).rejects.toThrow(/is missing/);
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses to write into a directory that replaced the locked one, and resumes in the same one moved back", async () => {
    const dir = join(await tempDir(), "log");
    const s = new PosixStorage(dir);
    await s.lockWriter();
    try {
      await s.writeCheckpoint(Uint8Array.of(1));
      await rename(dir, `${dir}.away`);
      await mkdir(dir);
      await expect(s.writeCheckpoint(Uint8Array.of(2))).rejects.toThrow(/was replaced by another directory/);
      await rm(dir, { recursive: true });
      await rename(`${dir}.away`, dir);
      await s.writeCheckpoint(Uint8Array.of(3));
      expect(await s.readCheckpoint()).toEqual(Uint8Array.of(3));
    } finally {
      await s.unlockWriter();
    }
  });

  it("removes tiles and bundles, and the partial directories they empty; never the checkpoint", async () => {
    const dir = await tempDir();
    const s = new PosixStorage(dir);
    await s.writeTile({ level: 0, index: 0, width: 3 }, Uint8Array.of(1));
    await s.writeTile({ level: 0, index: 0, width: 4 }, Uint8Array.of(1));
    await s.writeEntryBundle(0, 3, Uint8Array.of(1));
    await s.writeCheckpoint(Uint8Array.of(1));
    await s.remove(["tile/0/000.p/3", "tile/entries/000.p/3", "tile/entries/000.p/9"]);
    expect(await s.list()).toEqual(["checkpoint", "tile/0/000.p/4"]);
    expect(await readdir(join(dir, "tile/entries"))).toEqual([]);
    await s.remove(["tile/0/000.p/4"]);
    expect(await readdir(join(dir, "tile/0"))).toEqual([]);
    for (const bad of ["checkpoint", "tile/0/0001", "../x"]) await expect(s.remove([bad])).rejects.toThrow(/not a tile or entry bundle path/);
    expect(await s.readCheckpoint()).toEqual(Uint8Array.of(1));
  });

  it("counts writes, bytes, fsyncs, removals and errors on the registry it is given", async () => {
    const registry = new Registry();
    const dir = join(await tempDir(), "log");
    const s = new PosixStorage(dir, { registry });
    // A second storage on the same registry shares the series instead of registering them twice.
    const twin = new PosixStorage(dir, { registry });
    await s.lockWriter();
    await s.writeTile({ level: 0, index: 0, width: 2 }, new Uint8Array(64));
    await twin.writeEntryBundle(0, 2, new Uint8Array(10));
    await s.remove(["tile/0/000.p/2"]);
    await rm(dir, { recursive: true });
    await expect(s.writeCheckpoint(Uint8Array.of(1))).rejects.toThrow();
    await s.unlockWriter();
    expect(await metricValue(registry, "solar_controller_ledger_posix_writes_total")).toBe(2);
    expect(await metricValue(registry, "solar_controller_ledger_posix_written_bytes_total")).toBe(74);
    expect(await metricValue(registry, "solar_controller_ledger_posix_files_removed_total")).toBe(1);
    expect(await metricValue(registry, "solar_controller_ledger_posix_errors_total", { op: "write" })).toBe(1);
    expect(await metricValue(registry, "solar_controller_ledger_posix_errors_total", { op: "remove" })).toBe(0);
    // Two writes (file and directory each), the new directories' parents, and the removal's directory.
    const fsyncs = /^solar_controller_ledger_posix_fsync_duration_seconds_count (\d+)$/m.exec(await registry.metrics());
    expect(Number(fsyncs?.[1])).toBeGreaterThanOrEqual(6);
  });
});
