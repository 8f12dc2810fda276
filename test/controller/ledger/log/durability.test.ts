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
    expect(kinds[kinds.length - 1]).toMatch(/^(checkpoint|remove)$/);
    let segments = 0;
    let phase = 0; // 0: bundles, 1: tiles, 2: checkpoint written, obsolete partials may go
    for (const k of kinds) {
      if (k === "checkpoint") {
        expect(phase).toBe(1); // at least one tile was written since the last checkpoint
        segments++;
        phase = 2;
      } else if (k === "remove") {
        expect(phase).toBe(2);
      } else if (k === "entries") {
        expect(phase === 0 || phase === 2).toBe(true);
        phase = 0;
      } else {
        expect(phase === 0 || phase === 1).toBe(true);
        phase = 1;
      }
    }
    expect(segments).toBeGreaterThanOrEqual(6);
    // Each integration starts with a bundle: the first write after a checkpoint (and its cleanup) is never a tile.
    kinds.forEach((k, i) => {
      if (i === 0 || kinds[i - 1] === "checkpoint" || kinds[i - 1] === "remove") expect(k === "entries" || k === "remove").toBe(true);
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
      const failed = new Promise<void>((resolve) => log.onHealthChange((h) => !h.ok && resolve()));
      // Three waves, so the cut lands within several integrations whatever k is. Once an
      // integration fails, later records queue behind its retries.
      const appended: Promise<number>[] = [];
      for (let wave = 0; wave < 3; wave++) {
        const batch = Array.from({ length: 150 }, (_, i) => log.append(entry(1000 + wave * 150 + i)));
        appended.push(...batch);
        await Promise.race([Promise.allSettled(batch), failed]);
      }
      await failed;
      expect(log.health).toMatchObject({ ok: false, lastError: "simulated crash" });
      // The process dies here: close() ends the retries and rejects what is not durable.
      await log.close({ timeoutMs: 200 });
      const outcomes = await Promise.allSettled(appended);
      outcomes.forEach((o, i) => {
        if (o.status === "fulfilled") resolved.set(o.value, entry(1000 + i));
      });
      expect(outcomes.some((o) => o.status === "rejected")).toBe(true);
      await expect(log.append(entry(0))).rejects.toThrow(/closed/);

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
      await reopened.close();
      const again = await open(new PosixStorage(dir));
      expect(again.size).toBe(Number(after.size));
      for (const [index, bytes] of resolved) expect(Buffer.from((await storedEntry(storage, again.size, index))!).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});
