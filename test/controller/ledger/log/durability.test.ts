import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { toHex } from "../../../../controller/ledger/merkle/hash.js";
import { verifyConsistency, consistencyProof } from "../../../../controller/ledger/merkle/proofs.js";
import { entryBundle } from "../../../../controller/ledger/merkle/tile-path.js";
import { rootOf } from "../../../../controller/ledger/merkle/tree.js";
import { parseBundle } from "../../../../controller/ledger/log/bundle.js";
import { TILE_WIDTH } from "../../../../controller/ledger/merkle/tile-path.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import type { LogStorage } from "../../../../controller/ledger/storage/storage.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { RecordingStorage, appendMany, entry, leafHashesOf, open, storedNodeSource, tempDir } from "./support.js";

function checkpointOf(note: string | Uint8Array) {
  const v = verifyCheckpoint(note, trusted, { nowSeconds: NOW });
  if (v.error) throw v.error;
  return v.value.checkpoint;
}

async function storedEntry(storage: LogStorage, size: number, index: number): Promise<Uint8Array | undefined> {
  const { bundleIndex, offset } = entryBundle(index);
  const width = Math.min(TILE_WIDTH, size - bundleIndex * TILE_WIDTH);
  const bytes = await storage.readEntryBundle(bundleIndex, width);
  return bytes && parseBundle(bytes, width).value?.[offset];
}

describe("batching", () => {
  it("turns 1,000 concurrent appends into a handful of checkpoints with distinct indices", async () => {
    const storage = new RecordingStorage(new PosixStorage(await tempDir()));
    const log = await open(storage, { maxBatchAgeMs: undefined });
    storage.writes.length = 0;
    const indices = await appendMany(log, 0, 1000);
    expect([...indices].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const checkpoints = storage.writes.filter((w) => w.kind === "checkpoint").length;
    // The first batch closes at 256 records; everything that arrived meanwhile goes in the next.
    expect(checkpoints).toBeGreaterThanOrEqual(2);
    expect(checkpoints).toBeLessThanOrEqual(3);
    expect(toHex(checkpointOf(log.checkpoint).rootHash)).toBe(toHex(rootOf(leafHashesOf(1000))));
  });
});

describe("durability order", () => {
  it("writes every integration's bundles, then its tiles, then its checkpoint", async () => {
    const storage = new RecordingStorage(new PosixStorage(await tempDir()));
    const log = await open(storage, { maxBatchRecords: 100 });
    storage.writes.length = 0;
    // Waves that each close by age: one integration each.
    for (let wave = 0; wave < 5; wave++) await appendMany(log, wave * 90, 90);
    await Promise.all([log.append(entry(450)), log.append(entry(451))]);
    const kinds = storage.writes.map((w) => w.kind);
    expect(kinds[kinds.length - 1]).toBe("checkpoint");
    let segments = 0;
    let phase = 0; // 0: bundles, 1: tiles
    for (const k of kinds) {
      if (k === "checkpoint") {
        expect(phase).toBe(1); // at least one tile was written since the last checkpoint
        segments++;
        phase = 0;
      } else if (k === "entries") {
        expect(phase).toBe(0);
      } else {
        phase = 1;
      }
    }
    expect(segments).toBeGreaterThanOrEqual(6);
    // Each integration starts with a bundle: the first write after a checkpoint is never a tile.
    kinds.forEach((k, i) => {
      if (i === 0 || kinds[i - 1] === "checkpoint") expect(k).toBe("entries");
    });
  });
});

describe("crash recovery", () => {
  // Fail the k-th write of later integrations: every cut point between entries, tiles, checkpoint.
  for (let k = 0; k <= 9; k++) {
    it(`keeps every resolved entry when writes stop after ${k} more`, async () => {
      const dir = await tempDir();
      const first = new RecordingStorage(new PosixStorage(dir));
      // Small batches, so the second wave spans two integrations and many writes.
      const log = await open(first, { maxBatchRecords: 50 });
      const resolved = new Map<number, Uint8Array>();
      for (const [i, index] of (await appendMany(log, 0, 270)).entries()) resolved.set(index, entry(i));
      const before = checkpointOf(log.checkpoint);

      first.allowWrites = k;
      // Three waves, so the cut lands within several integrations whatever k is.
      const outcomes: PromiseSettledResult<number>[] = [];
      for (let wave = 0; wave < 3; wave++) {
        outcomes.push(...await Promise.allSettled(Array.from({ length: 150 }, (_, i) => log.append(entry(1000 + wave * 150 + i)))));
      }
      outcomes.forEach((o, i) => {
        if (o.status === "fulfilled") resolved.set(o.value, entry(1000 + i));
      });
      expect(outcomes.some((o) => o.status === "rejected")).toBe(true);
      // After a failed integration the log refuses appends until it is reopened.
      await expect(log.append(entry(0))).rejects.toThrow(/reopen/);

      const storage = new PosixStorage(dir);
      const reopened = await open(storage);
      const c = checkpointOf((await storage.readCheckpoint())!);
      const size = Number(c.size);
      expect(size).toBeGreaterThanOrEqual(Math.max(...resolved.keys()) + 1);
      for (const [index, bytes] of resolved) expect(Buffer.from((await storedEntry(storage, size, index))!).equals(Buffer.from(bytes))).toBe(true);

      // The log grows again over whatever the crash left beyond the checkpoint.
      const more = await Promise.all(Array.from({ length: 123 }, (_, i) => reopened.append(entry(5000 + i))));
      expect(more[0]).toBe(size);
      const after = checkpointOf(reopened.checkpoint);
      const source = await storedNodeSource(storage, Number(after.size));
      const proof = consistencyProof(270, Number(after.size), source);
      expect(verifyConsistency(270, Number(after.size), proof.value!, before.rootHash, after.rootHash).error).toBeUndefined();
      const again = await open(new PosixStorage(dir));
      expect(again.size).toBe(Number(after.size));
      for (const [index, bytes] of resolved) expect(Buffer.from((await storedEntry(storage, again.size, index))!).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});
