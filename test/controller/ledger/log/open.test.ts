import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { verifyLog } from "../../../../controller/ledger/verify/verify-log.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { crashEntry } from "./crash-entry.js";
import { open, tempDir } from "./support.js";

function cosignedAt(note: string): number {
  const v = verifyCheckpoint(note, trusted, { nowSeconds: 0, maxFutureSkewSeconds: Number.MAX_SAFE_INTEGER });
  if (v.error) throw v.error;
  return Number(v.value.cosignedAt);
}

describe("openLog", () => {
  it("refuses a second writer on the same directory, naming it, until the first closes", async () => {
    const dir = await tempDir();
    const first = await open(new PosixStorage(dir));
    const second = open(new PosixStorage(dir));
    await expect(second).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await expect(second).rejects.toThrow(`ledger directory ${dir} is in use by another writer`);
    await first.append(crashEntry(0));
    await first.close();
    const third = await open(new PosixStorage(dir));
    expect(third.size).toBe(1);
  });

  it("opens a checkpoint from the future with a warning, and signs on from its time", async () => {
    const dir = await tempDir();
    const ahead = await open(new PosixStorage(dir), { nowSeconds: () => NOW + 600 });
    await ahead.append(crashEntry(0));
    await ahead.close();

    // The clock is stepped back ten minutes.
    const warnings: { message: string; details: Readonly<Record<string, unknown>> }[] = [];
    const log = await open(new PosixStorage(dir), { nowSeconds: () => NOW, onWarning: (message, details) => warnings.push({ message, details }) });
    expect(warnings).toEqual([{ message: expect.stringContaining("from the future"), details: { checkpointTime: NOW + 600, clockTime: NOW, aheadSeconds: 600 } }]);
    await log.append(crashEntry(1));
    expect(cosignedAt(log.checkpoint)).toBe(NOW + 600);
    await log.close();
    expect((await verifyLog(new PosixStorage(dir), { trusted, nowSeconds: NOW + 600 })).value?.size).toBe(2);
  });

  it("still refuses a stored checkpoint whose signature does not verify", async () => {
    const dir = await tempDir();
    await (await open(new PosixStorage(dir))).close();
    const note = await readFile(join(dir, "checkpoint"), "utf8");
    await writeFile(join(dir, "checkpoint"), note.replace("\n0\n", "\n1\n"));
    await expect(open(new PosixStorage(dir))).rejects.toMatchObject({ code: Code.FailedPrecondition, field: "checkpoint" });
    // The refused open left the directory unlocked.
    await writeFile(join(dir, "checkpoint"), note);
    expect((await open(new PosixStorage(dir))).size).toBe(0);
  });

  it("refuses a directory that holds tiles but no checkpoint rather than starting a new log over them", async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    await storage.writeEntryBundle(0, 3, Uint8Array.of(0, 0));
    await expect(open(storage)).rejects.toThrow(/holds 1 tiles or bundles \(tile\/entries\/000\.p\/3, …\) but no checkpoint/);
    expect(await storage.readCheckpoint()).toBeUndefined();
  });
});
