import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { Batcher, type BatcherOptions, type LogHealth } from "../../../../controller/ledger/log/batcher.js";

const bytes = (i: number) => Uint8Array.of(i & 0xff);
const one = (i: number) => [bytes(i)];

const options = (o: Partial<BatcherOptions>): BatcherOptions => ({
  maxBatchRecords: 10, maxBatchAgeMs: 5, maxPendingRecords: 100, retryMinMs: 5, retryMaxMs: 20, random: () => 0.5, ...o,
});

/** A fake integration that records batches and how many ran at once; fails while `failing` is set. */
function fakeRun(delayMs = 2) {
  const seen = { batches: [] as number[][], attempts: 0, inFlight: 0, maxInFlight: 0, next: 0, failing: undefined as string | undefined };
  const run = async (entries: readonly Uint8Array[]) => {
    seen.attempts++;
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    seen.inFlight--;
    if (seen.failing) throw new Error(seen.failing);
    seen.batches.push(entries.map((e) => e[0] as number));
    const first = seen.next;
    seen.next += entries.length;
    return first;
  };
  return { seen, run };
}

function nextHealth(b: Batcher, want: (h: LogHealth) => boolean): Promise<LogHealth> {
  return new Promise((resolve) => {
    const off = b.onHealthChange((h) => {
      if (want(h)) {
        off();
        resolve(h);
      }
    });
  });
}

describe("Batcher", () => {
  it("starts an integration when a batch closes; the next takes every record waiting by then", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchAgeMs: 60_000 }));
    const indices = await Promise.all(Array.from({ length: 35 }, (_, i) => b.add(one(i))));
    expect(indices).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(seen.maxInFlight).toBe(1);
    // The first batch closed at 10 records; the other 25 arrived while it ran and go together.
    expect(seen.batches.map((x) => x.length)).toEqual([10, 25]);
  });

  it("closes a batch when its oldest record reaches maxBatchAgeMs", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchRecords: 256, maxBatchAgeMs: 20 }));
    const started = Date.now();
    expect(await Promise.all([b.add(one(1)), b.add(one(2))])).toEqual([0, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(seen.batches).toEqual([[1, 2]]);
  });

  it("starts at once for an urgent record, taking the records already waiting with it", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchRecords: 256, maxBatchAgeMs: 60_000 }));
    const waiting = b.add(one(1));
    expect(await b.add(one(2), true)).toBe(1);
    expect(await waiting).toBe(0);
    expect(seen.batches).toEqual([[1, 2]]);
  });

  it("keeps a group together: consecutive indices in one integration, refused whole", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchRecords: 2, maxPendingRecords: 4 }));
    const first = b.add(one(1));
    const group = b.add([bytes(2), bytes(3), bytes(4)]);
    await expect(b.add(one(5))).rejects.toMatchObject({ code: Code.Unavailable });
    expect([await first, await group]).toEqual([0, 1]);
    expect(seen.batches).toEqual([[1, 2, 3, 4]]);
    await expect(b.add([bytes(1), bytes(2), bytes(3), bytes(4), bytes(5)])).rejects.toMatchObject({ code: Code.InvalidArgument, field: "entries" });
    await expect(b.add([])).rejects.toMatchObject({ code: Code.InvalidArgument, field: "entries" });
  });

  it("refuses records beyond maxPendingRecords as overload, with a retry hint", async () => {
    const { run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchRecords: 2, maxPendingRecords: 2 }));
    const refused: string[] = [];
    const hooked = new Batcher(run, options({ maxBatchRecords: 2, maxPendingRecords: 2 }), { refused: (r) => refused.push(r) });
    const ok = [b.add(one(1)), b.add(one(2))];
    await expect(b.add(one(3))).rejects.toMatchObject({ code: Code.Unavailable, retryAfterSeconds: 1 });
    await expect(Promise.all(ok)).resolves.toEqual([0, 1]);
    expect(await b.add(one(3))).toBe(2);
    await Promise.allSettled([hooked.add(one(1)), hooked.add(one(2)), hooked.add(one(3))]);
    expect(refused).toEqual(["overloaded"]);
  });

  it("retries a failed integration with the same records first, in order, and reports its health", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({}));
    const healths: LogHealth[] = [];
    b.onHealthChange((h) => healths.push(h));
    seen.failing = "disk full";
    const failing = nextHealth(b, (h) => h.consecutiveFailures === 3);
    const first = [b.add(one(1)), b.add(one(2))];
    expect(await failing).toEqual({ ok: false, consecutiveFailures: 3, lastError: "disk full", pendingRecords: 2 });
    const later = b.add(one(3));
    seen.failing = undefined;
    expect(await Promise.all([...first, later])).toEqual([0, 1, 2]);
    // Nothing was lost or reordered: the retry held the failed records first, then the later one.
    expect(seen.batches).toEqual([[1, 2, 3]]);
    expect(b.health).toEqual({ ok: true, consecutiveFailures: 0, pendingRecords: 0 });
    expect(healths.map((h) => h.ok)).toEqual([false, false, false, true]);
  });

  it("waits longer after each failure, up to retryMaxMs: attempts stay few however long it fails", async () => {
    const { seen, run } = fakeRun(0);
    const b = new Batcher(run, options({ retryMinMs: 10, retryMaxMs: 40, random: () => 0.999 }));
    seen.failing = "read-only file system";
    const pending = b.add(one(1)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 400));
    // Waits of ~10, 20, 40, 40, … ms: about a dozen attempts in 400 ms, never a spin.
    expect(seen.attempts).toBeGreaterThanOrEqual(2);
    expect(seen.attempts).toBeLessThanOrEqual(15);
    expect(await b.close(100)).toBe(true);
    expect(await pending).toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("read-only file system") });
  });

  it("close() ends retries, rejects what waits, refuses new records, and resolves promptly", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ retryMinMs: 60_000, retryMaxMs: 60_000 }));
    seen.failing = "ENOENT";
    const failed = nextHealth(b, (h) => !h.ok);
    const pending = Promise.allSettled([b.add(one(1)), b.add(one(2))]);
    await failed;
    // A one-minute wait is under way; close must not sit it out.
    expect(await b.close(5_000)).toBe(true);
    const outcomes = await pending;
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("closed") });
    await expect(b.add(one(3))).rejects.toMatchObject({ code: Code.Unavailable, message: "ledger is closed" });
    expect(seen.attempts).toBe(1);
  });

  it("close() resolves records whose integration completes while it waits, rather than calling them lost", async () => {
    const { seen, run } = fakeRun(50);
    const b = new Batcher(run, options({ retryMinMs: 1, retryMaxMs: 1 }));
    seen.failing = "EIO";
    const failed = nextHealth(b, (h) => !h.ok);
    const p = b.add(one(1));
    await failed;
    // The retry, once in flight, succeeds while close() waits for it.
    seen.failing = undefined;
    while (seen.attempts < 2) await new Promise((r) => setTimeout(r, 1));
    expect(await b.close(5_000)).toBe(true);
    expect(await p).toBe(0);
  });

  it("close() lets waiting records become durable first when integrations succeed", async () => {
    const { run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchAgeMs: 60_000 }));
    const p = b.add(one(1));
    expect(await b.close(5_000)).toBe(true);
    expect(await p).toBe(0);
  });

  it("flush integrates what waits without waiting for the age limit, and gives up at its timeout", async () => {
    const { seen, run } = fakeRun();
    const b = new Batcher(run, options({ maxBatchRecords: 100, maxBatchAgeMs: 60_000 }));
    const p = b.add(one(1));
    await b.flush(5_000);
    expect(await p).toBe(0);
    expect(seen.batches).toEqual([[1]]);
    seen.failing = "EIO";
    const stuck = b.add(one(2)).catch((e: unknown) => e);
    await expect(b.flush(50)).rejects.toMatchObject({ code: Code.Unavailable, message: expect.stringContaining("not durable after 50 ms: EIO") });
    await b.close(100);
    expect(await stuck).toMatchObject({ code: Code.Unavailable });
  });
});
