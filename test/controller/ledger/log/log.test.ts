import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { hashLeaf, toHex } from "../../../../controller/ledger/merkle/hash.js";
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from "../../../../controller/ledger/merkle/proofs.js";
import { TILE_HEIGHT, TILE_WIDTH, entriesPath, tilePath, tilesForSize } from "../../../../controller/ledger/merkle/tile-path.js";
import { CompactRange, rootOf } from "../../../../controller/ledger/merkle/tree.js";
import { parseBundle } from "../../../../controller/ledger/log/bundle.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { appendMany, entry, leafHashesOf, open, storedNodeSource, tempDir } from "./support.js";

function verified(note: string) {
  const v = verifyCheckpoint(note, trusted, { nowSeconds: NOW });
  if (v.error) throw v.error;
  return v.value.checkpoint;
}

describe("log lifecycle on local disk", () => {
  it("publishes a verifiable empty checkpoint when a directory is opened for the first time", async () => {
    const dir = await tempDir();
    const log = await open(new PosixStorage(dir));
    const c = verified(await readFile(join(dir, "checkpoint"), "utf8"));
    expect(c.size).toBe(0n);
    expect(log.size).toBe(0);
  });

  it("appends entries whose checkpoint verifies and whose root is the tree of their leaf hashes", async () => {
    const dir = await tempDir();
    const log = await open(new PosixStorage(dir));
    const n = 700;
    const indices = await appendMany(log, 0, n);
    expect(indices).toEqual(Array.from({ length: n }, (_, i) => i));
    const c = verified(await readFile(join(dir, "checkpoint"), "utf8"));
    expect(c.size).toBe(BigInt(n));
    expect(toHex(c.rootHash)).toBe(toHex(rootOf(leafHashesOf(n))));
    expect(log.checkpoint).toBe(await readFile(join(dir, "checkpoint"), "utf8"));
  });

  it("stores bundles and tiles at their C2SP paths with the right bytes", async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    const log = await open(storage);
    const n = 600;
    await appendMany(log, 0, n);

    // Bundles: two full, one partial of 88 entries, each the entries in order.
    for (let b = 0; b * TILE_WIDTH < n; b++) {
      const width = Math.min(TILE_WIDTH, n - b * TILE_WIDTH);
      const bytes = await readFile(join(dir, entriesPath(b, width)));
      const parsed = parseBundle(new Uint8Array(bytes), width);
      expect(parsed.error).toBeUndefined();
      parsed.value!.forEach((e, i) => expect(Buffer.from(e).equals(Buffer.from(entry(b * TILE_WIDTH + i)))).toBe(true));
    }
    expect(await readdir(join(dir, "tile/entries"))).toEqual(expect.arrayContaining(["000", "001", "002.p"]));

    // Tiles: every node at tree level 8·L, in index order, concatenated.
    const nodes = new Map<string, Uint8Array[]>();
    CompactRange.empty().appendAll(leafHashesOf(n), (level, index, hash) => {
      if (level % TILE_HEIGHT !== 0) return;
      const key = `${level / TILE_HEIGHT}/${Math.floor(index / TILE_WIDTH)}`;
      nodes.set(key, [...(nodes.get(key) ?? []), hash]);
    });
    const tiles = tilesForSize(n);
    expect(tiles.map(tilePath)).toEqual(["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"]);
    for (const t of tiles) {
      const bytes = new Uint8Array(await readFile(join(dir, tilePath(t))));
      expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.concat(nodes.get(`${t.level}/${t.index}`)!).toString("hex"));
    }
    const listed = await storage.list();
    expect(listed).toContain("checkpoint");
    expect(listed).toContain("tile/0/002.p/88");
    expect(listed.some((p) => p.endsWith(".tmp"))).toBe(false);
  });

  it("reopens, appends more, and the old and new checkpoints are consistent by tile-based proofs", async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    const first = await open(storage);
    await appendMany(first, 0, 300);
    await first.close();
    const older = verified(first.checkpoint);

    const second = await open(storage);
    expect(second.size).toBe(300);
    const more = await appendMany(second, 300, 333);
    expect(more[0]).toBe(300);
    const newer = verified(second.checkpoint);
    expect(newer.size).toBe(633n);
    expect(toHex(newer.rootHash)).toBe(toHex(rootOf(leafHashesOf(633))));

    const source = await storedNodeSource(storage, 633);
    const proof = consistencyProof(300, 633, source);
    expect(verifyConsistency(300, 633, proof.value!, older.rootHash, newer.rootHash).error).toBeUndefined();
    const inclusion = inclusionProof(299, 633, source);
    expect(verifyInclusion(299, 633, hashLeaf(entry(299)), inclusion.value!, newer.rootHash).error).toBeUndefined();
  });

  it("refuses an oversized entry with a clear error and leaves the log unchanged", async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    const log = await open(storage);
    await appendMany(log, 0, 3);
    const before = await storage.list();
    const note = log.checkpoint;
    await expect(log.append(new Uint8Array(65_536))).rejects.toMatchObject({ code: Code.InvalidArgument, field: "entry", message: expect.stringContaining("65536 bytes, at most 65535") });
    await log.flush();
    expect(await storage.list()).toEqual(before);
    expect(log.checkpoint).toBe(note);
    expect(await log.append(new Uint8Array(65_535))).toBe(3);
  });

  it("integrates an urgent entry at once, with the entries already waiting", { timeout: 10_000 }, async () => {
    const storage = new PosixStorage(await tempDir());
    // A batch age the test would time out waiting for.
    const log = await open(storage, { maxBatchAgeMs: 60_000 });
    const waiting = log.append(entry(0));
    expect(await log.append(entry(1), { urgent: true })).toBe(1);
    expect(await waiting).toBe(0);
    expect(log.size).toBe(2);
  });

  it("appends a group at consecutive indices under one checkpoint, and refuses it whole", async () => {
    const storage = new PosixStorage(await tempDir());
    const log = await open(storage, { maxBatchRecords: 2, maxPendingRecords: 4 });
    const single = log.append(entry(0));
    expect(await log.appendAll([entry(1), entry(2), entry(3)])).toBe(1);
    expect(await single).toBe(0);
    expect(log.size).toBe(4);
    await expect(log.appendAll([entry(4), new Uint8Array(65_536)])).rejects.toMatchObject({ code: Code.InvalidArgument, field: "entries[1]" });
    await expect(log.appendAll(Array.from({ length: 5 }, (_, i) => entry(i)))).rejects.toMatchObject({ code: Code.InvalidArgument, field: "entries" });
    expect(log.size).toBe(4);
    expect(log.health).toEqual({ ok: true, consecutiveFailures: 0, pendingRecords: 0 });
  });
});
