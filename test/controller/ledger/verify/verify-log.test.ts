import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../../../controller/ledger/checkpoint/checkpoint.js";
import { openLog } from "../../../../controller/ledger/log/open.js";
import { verifyLog, OLDER_CHECKPOINT_FILE } from "../../../../controller/ledger/verify/verify-log.js";
import { encodeRecordEntries } from "../../../../controller/ledger/records/codec.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { bigSnapshot } from "../records/support.js";
import { NOW, ORIGIN, buildChunkedLog, buildLog, keys, otherKeys, otherTrusted, readBytes, recordBytes, tempDir, trusted, type BuiltLog } from "./support.js";

// 2 full bundles and a partial one; level-1 tile partial; the previous checkpoint's (300) partials.
const SIZES = [100, 300, 517];
const opts = { trusted, nowSeconds: NOW };

async function tamper(log: BuiltLog, path: string, at: number): Promise<Buffer> {
  const original = await readBytes(log.dir, path);
  const bad = Buffer.from(original);
  bad[at] = (bad[at] as number) ^ 0x01;
  await writeFile(join(log.dir, path), bad);
  return original;
}

describe("verifyLog", () => {
  it("accepts an intact log and reports its size, root and records", async () => {
    const log = await buildLog(SIZES);
    const verdict = await verifyLog(log.storage, opts);
    expect(verdict.error).toBeUndefined();
    expect(verdict.value?.size).toBe(517);
    expect(verdict.value?.records).toEqual({ config_changed: 517 });
    expect(log.notes.at(-1)).toContain(toBase64(verdict.value!.root));
  });

  it("accepts an empty log and a log of whole bundles", async () => {
    for (const sizes of [[0], [256], [512]]) {
      const log = await buildLog(sizes);
      expect((await verifyLog(log.storage, opts)).value?.size).toBe(sizes[0]);
    }
  });

  it("names exactly the file where any one byte was flipped, for every file in the directory", async () => {
    const log = await buildLog(SIZES);
    const files = await log.storage.list();
    // Current files and the partials of the previous checkpoint; those of 100 went once their tiles were full.
    expect(files).toEqual([
      "checkpoint", "tile/0/000", "tile/0/001", "tile/0/001.p/44", "tile/0/002.p/5", "tile/1/000.p/1", "tile/1/000.p/2",
      "tile/entries/000", "tile/entries/001", "tile/entries/001.p/44", "tile/entries/002.p/5",
    ]);
    for (const file of files) {
      const length = (await readBytes(log.dir, file)).length;
      for (const at of new Set([0, 1, Math.floor(length / 3), Math.floor(length / 2), length - 2, length - 1])) {
        const original = await tamper(log, file, at);
        const verdict = await verifyLog(log.storage, opts);
        expect({ file, at, failed: verdict.error?.file }).toEqual({ file, at, failed: file });
        await writeFile(join(log.dir, file), original);
      }
    }
    expect((await verifyLog(log.storage, opts)).value?.size).toBe(517);
  });

  it("points at the entry whose content changed", async () => {
    const log = await buildLog(SIZES);
    const bundle = (await readBytes(log.dir, "tile/entries/001")).toString("latin1");
    // Entry 256+3 = 259: change its at_ms digits, which stays canonical JSON.
    const target = `"at_ms":${1_767_225_600_000 + 259}`;
    await writeFile(join(log.dir, "tile/entries/001"), Buffer.from(bundle.replace(target, `"at_ms":${1_767_225_600_000 + 258}`), "latin1"));
    expect((await verifyLog(log.storage, opts)).error).toMatchObject({ file: "tile/entries/001", index: 259 });
  });

  it("names a deleted bundle or tile", async () => {
    for (const file of ["tile/entries/000", "tile/entries/002.p/5", "tile/0/001", "tile/0/002.p/5", "tile/1/000.p/2", "checkpoint"]) {
      const log = await buildLog(SIZES);
      await rm(join(log.dir, file));
      expect((await verifyLog(log.storage, opts)).error).toMatchObject({ file, message: "missing" });
    }
  });

  it("refuses a checkpoint under the wrong verifier keys", async () => {
    const log = await buildLog([10]);
    expect((await verifyLog(log.storage, { trusted: otherTrusted, nowSeconds: NOW })).error?.file).toBe("checkpoint");
    const halfWrong = { ...trusted, mlDsa44: otherTrusted.mlDsa44 };
    expect((await verifyLog(log.storage, { trusted: halfWrong, nowSeconds: NOW })).error?.message).toMatch(/ML-DSA-44/);
  });

  it("checks that the log extends an older checkpoint of its own", async () => {
    const log = await buildLog(SIZES);
    for (const older of log.notes) expect((await verifyLog(log.storage, { ...opts, olderCheckpoint: older })).value?.size).toBe(517);
  });

  it("refuses an older checkpoint from a fork signed with the same keys", async () => {
    const log = await buildLog(SIZES);
    const prefix = await buildLog([50, 300]);
    // Same first 120 entries, then a different entry 120: the trees differ from size 121 on.
    const other = await buildLog([120]);
    const forked = await openLog({ origin: trusted.origin, keys, storage: other.storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 1 });
    await forked.append(new TextEncoder().encode(JSON.stringify({ at_ms: 1, config_sha256: "00".repeat(32), kind: "config_changed", summary: "fork", v: 1 })));
    await forked.close();
    const verdict = await verifyLog(log.storage, { ...opts, olderCheckpoint: forked.checkpoint });
    expect(verdict.error).toMatchObject({ file: OLDER_CHECKPOINT_FILE });
    expect(verdict.error?.message).toMatch(/does not extend/);
    // Same prefix: consistent.
    expect((await verifyLog(log.storage, { ...opts, olderCheckpoint: prefix.notes[0] })).value?.size).toBe(517);
    // Larger than the log.
    expect((await verifyLog(other.storage, { ...opts, olderCheckpoint: log.notes.at(-1) })).error?.file).toBe(OLDER_CHECKPOINT_FILE);
    // Signed by another log's keys, or not a note at all.
    const foreign = await buildLog([5], otherKeys);
    for (const olderCheckpoint of [foreign.notes[0], "x\n"]) {
      expect((await verifyLog(log.storage, { ...opts, olderCheckpoint })).error?.file).toBe(OLDER_CHECKPOINT_FILE);
    }
  });
});

describe("verifyLog over records stored in parts", () => {
  it("puts each large record back together and counts it once", async () => {
    const log = await buildChunkedLog();
    const verdict = await verifyLog(log.storage, opts);
    expect(verdict.error).toBeUndefined();
    expect(verdict.value?.records).toEqual({ config_changed: 8, energy_snapshot: 2 });
    expect(verdict.value?.size).toBe(log.records.at(-1)!.first + 3);
  });

  it("fails a log that lost a part, naming the bundle and entry", async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    const log = await openLog({ origin: ORIGIN, keys, storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 1 });
    const parts = encodeRecordEntries(bigSnapshot(5)).value!;
    expect(parts).toHaveLength(4);
    await log.append(recordBytes(0));
    // Appended one by one, a part can go missing; Log.appendAll is what keeps them together.
    await log.appendAll([parts[0]!, parts[1]!, parts[3]!]);
    await log.append(recordBytes(1));
    await log.close();
    expect((await verifyLog(storage, opts)).error).toMatchObject({ file: "tile/entries/000.p/5", index: 3, message: expect.stringMatching(/interrupts the set from entry 1/) });

    const ends = await buildLog([0]);
    const tail = await openLog({ origin: ORIGIN, keys, storage: ends.storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 1 });
    await tail.appendAll(parts.slice(0, 2));
    await tail.close();
    expect((await verifyLog(ends.storage, opts)).error).toMatchObject({ file: "tile/entries/000.p/2", index: 1, message: expect.stringMatching(/ends after 2 of 4 parts/) });
  });
});

describe("verifyLog of a live log", () => {
  it("reads the checkpoint's partials first, so cleanup during a long audit cannot fail it", async () => {
    const log = await buildLog([517]);
    const edge = ["tile/0/002.p/5", "tile/1/000.p/2", "tile/entries/002.p/5"];
    // A reader over HTTP, say: no listing. The log replaces and deletes its edge while the audit reads bundle 0.
    const reader = {
      readCheckpoint: () => log.storage.readCheckpoint(),
      readTile: (l: number, i: number, w: number) => log.storage.readTile(l, i, w),
      readEntryBundle: async (i: number, w: number) => {
        if (i === 0) await Promise.all(edge.map((f) => rm(join(log.dir, f), { force: true })));
        return log.storage.readEntryBundle(i, w);
      },
    };
    expect((await verifyLog(reader, opts)).value?.size).toBe(517);
    expect((await verifyLog(reader, opts)).error).toMatchObject({ file: "tile/entries/002.p/5", message: "missing" });
  });
});
