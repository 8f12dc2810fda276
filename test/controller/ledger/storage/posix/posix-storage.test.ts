import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PosixStorage } from "../../../../../controller/ledger/storage/posix/posix-storage.js";
import { tempDir } from "../../log/support.js";

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

  it("does not list temporary files a crash left behind", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, ".abc.tmp"), "x");
    await new PosixStorage(dir).writeCheckpoint(Uint8Array.of(1));
    expect(await new PosixStorage(dir).list()).toEqual(["checkpoint"]);
  });
});
