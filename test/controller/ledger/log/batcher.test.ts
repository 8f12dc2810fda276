import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { Batcher } from "../../../../controller/ledger/log/batcher.js";

const bytes = (i: number) => Uint8Array.of(i & 0xff);

/** A fake integration that records batch sizes and how many ran at once. */
function fakeRun(delayMs = 2) {
  const seen = { batches: [] as number[], inFlight: 0, maxInFlight: 0, next: 0 };
  const run = async (entries: readonly Uint8Array[]) => {
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    seen.inFlight--;
    seen.batches.push(entries.length);
    const first = seen.next;
    seen.next += entries.length;
    return first;
  };
  return { seen, run };
}

describe("Batcher", () => {
  it("starts an integration when a batch closes; the next takes every record waiting by then", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, { maxBatchRecords: 10, maxBatchAgeMs: 1000, maxPendingRecords: 100 });
    const started = Date.now();
    const indices = await Promise.all(Array.from({ length: 35 }, (_, i) => b.add(bytes(i))));
    expect(indices).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(seen.maxInFlight).toBe(1);
    // The first batch closed at 10 records; the other 25 arrived while it ran and go together.
    expect(seen.batches).toEqual([10, 25]);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("closes a batch when its oldest record reaches maxBatchAgeMs", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, { maxBatchRecords: 256, maxBatchAgeMs: 20, maxPendingRecords: 1000 });
    const started = Date.now();
    expect(await Promise.all([b.add(bytes(1)), b.add(bytes(2))])).toEqual([0, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(seen.batches).toEqual([2]);
  });

  it("refuses records beyond maxPendingRecords as overload, with a retry hint", async () => {
    const { run } = fakeRun();
    const b = new Batcher(run, { maxBatchRecords: 2, maxBatchAgeMs: 5, maxPendingRecords: 2 });
    const ok = [b.add(bytes(1)), b.add(bytes(2))];
    const third = b.add(bytes(3));
    const fourth = b.add(bytes(4));
    await expect(Promise.all(ok)).resolves.toEqual([0, 1]);
    expect(await third).toBe(2);
    await expect(fourth).resolves.toBe(3);
    const flood = Array.from({ length: 5 }, (_, i) => b.add(bytes(i)));
    const settled = await Promise.allSettled(flood);
    const refused = settled.filter((s) => s.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: Code.Unavailable, retryAfterSeconds: 1 });
  });

  it("fails the batch and everything after it once an integration fails", async () => {
    const b = new Batcher(() => Promise.reject(new Error("disk full")), { maxBatchRecords: 2, maxBatchAgeMs: 5, maxPendingRecords: 10 });
    const settled = await Promise.allSettled([b.add(bytes(1)), b.add(bytes(2)), b.add(bytes(3))]);
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    await expect(b.add(bytes(4))).rejects.toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("disk full") });
  });

  it("flush integrates what waits without waiting for the age limit", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, { maxBatchRecords: 100, maxBatchAgeMs: 60_000, maxPendingRecords: 100 });
    const p = b.add(bytes(1));
    await b.flush();
    expect(await p).toBe(0);
    expect(seen.batches).toEqual([1]);
  });
});
