// The tick path with the version key (filter/delivery/version-key.ts): a worker copies the table
// out of shared data only when the key, written by the lease holder, says it changed. Bytes
// copied are counted by the test host per key and per VM; every counter is asserted.
import { describe, expect, it } from "vitest";
import { SHARED_KEY, requestHeaders } from "./filter-host.js";
import {
  CONFIG, LEASE_KEY, LEASE_MS, NOT_MODIFIED, TICK_MS, VERSION_KEY, copiedOver, counters, large, leaseHolder, leaseValue,
  ok, readerCounters, routes, small, versionKey, versionKeyValue, withTable,
} from "./shared-keys.js";
import { WorkerPool, type Worker } from "./worker-pool.js";

describe("a tick with an unchanged table", () => {
  it.each([
    ["small", small, "a"],
    ["64 services × 64 upstreams", large, "site-00"],
  ])("copies the lease and the version key, never the table (%s table)", async (_, make, upstream) => {
    const bytes = make(7n);
    const { pool, holder, others, next } = await withTable(bytes, 7n);
    pool.advance(TICK_MS); // the others pick it up
    expect(routes(pool)).toEqual([upstream, upstream, upstream]);

    expect(copiedOver(pool, 20, SHARED_KEY)).toEqual([0, 0, 0]);
    // Per worker and tick: 24 bytes of version key, 16 of lease: 40, whatever the table's size.
    const workers = pool.workers;
    const before = workers.map((w) => w.host.sharedDataCopied());
    pool.advance(20 * TICK_MS);
    expect(workers.map((w, i) => w.host.sharedDataCopied().bytes - before[i]!.bytes)).toEqual([800, 800, 800]);
    expect(workers.map((w, i) => w.host.sharedDataCopied().reads - before[i]!.reads)).toEqual([40, 40, 40]);

    // Each worker copied the table once: the others on one tick, the holder when it stored it.
    for (const w of others) expect(w.host.sharedDataCopied(SHARED_KEY)).toEqual({ reads: 1, bytes: bytes.length });
    // The holder: its pre-write read found nothing; the read confirming its write, and the one naming the version of its next poll.
    expect(holder.host.sharedDataCopied(SHARED_KEY)).toEqual({ reads: 2, bytes: 2 * bytes.length });
    expect(next.header("if-none-match")).toBe('"7"');

    const renewed = counters(holder)["lease.renewed"]!;
    expect(renewed).toBeGreaterThanOrEqual(41);
    expect(counters(holder)).toEqual({
      ...readerCounters(7, { [upstream]: 1 }), "controller.polls": 2, "controller.tables_fetched": 1,
      "controller.tables_written": 1, "lease.acquired": 1, "lease.holder": 1, "lease.renewed": renewed,
    });
    for (const w of others) expect(counters(w)).toEqual(readerCounters(7, { [upstream]: 1 }));
  });

  it("copies the whole table on every tick without a controller, as no worker keeps a version key", async () => {
    const pool = await WorkerPool.start(2, { tick_ms: TICK_MS });
    const bytes = large(3n);
    pool.sharedData.set(SHARED_KEY, bytes);
    pool.advance(TICK_MS);
    expect(copiedOver(pool, 10, SHARED_KEY)).toEqual([10 * bytes.length, 10 * bytes.length]);
    expect(copiedOver(pool, 10, VERSION_KEY)).toEqual([0, 0]);
    expect(pool.sharedData.get(VERSION_KEY)).toBeUndefined();
    for (const w of pool.workers) expect(counters(w)).toEqual(readerCounters(3));
  });
});

describe("a new table", () => {
  it("reaches every worker within one tick, each copying and decoding it once; the holder not again", async () => {
    const { pool, holder, others, next } = await withTable(small(1n), 1n);
    pool.advance(TICK_MS);
    const copies = pool.workers.map((w) => w.host.sharedDataCopied(SHARED_KEY).bytes);
    const bytes = large(2n, "site-05");
    next.respond(ok(bytes, 2n));
    expect(holder.route(requestHeaders("api"))).toBe("site-05");
    expect(others.map((w) => w.route(requestHeaders("api")))).toEqual(["a", "a"]);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["site-05", "site-05", "site-05"]);
    pool.advance(10 * TICK_MS);

    const key = versionKey(pool)!;
    expect(key).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 2n, writer: leaseHolder(pool) });
    const after = pool.workers.map((w, i) => w.host.sharedDataCopied(SHARED_KEY).bytes - copies[i]!);
    expect(after.filter((_, i) => pool.workers[i] !== holder)).toEqual([bytes.length, bytes.length]);
    // The holder's reads: the old table before its write, its write to confirm it, and the table
    // its next poll names; none on a tick.
    expect(after[pool.workers.indexOf(holder)]).toBe(small(1n).length + 2 * bytes.length);
    for (const w of others) expect(counters(w)).toEqual({ "table.loaded": 2, "table.version": 2, "decisions.a": 1, "decisions.site-05": 1 });
    const h = counters(holder);
    expect(h).toEqual({
      "table.loaded": 2, "table.version": 2, "decisions.site-05": 2, "controller.polls": 3, "controller.tables_fetched": 2,
      "controller.tables_written": 2, "lease.acquired": 1, "lease.holder": 1, "lease.renewed": h["lease.renewed"],
    });
  });

  it("reaches a worker that ticked between the holder's table write and its version key write on that worker's next tick", async () => {
    const { pool, holder, others, next } = await withTable(small(1n), 1n);
    pool.advance(TICK_MS);
    const [early, late] = others as [Worker, Worker];
    // The holder reads the version key right before writing it: the table is stored by then.
    pool.sharedData.afterNextRead(VERSION_KEY, () => early.host.tick(early.rootId));
    next.respond(ok(small(2n, "b"), 2n));
    expect(early.route(requestHeaders("api"))).toBe("a");
    expect(versionKey(pool)!.version).toBe(2n);
    pool.advance(TICK_MS);
    expect([holder, early, late].map((w) => w.route(requestHeaders("api")))).toEqual(["b", "b", "b"]);
    expect(counters(early)).toEqual({ "table.loaded": 2, "table.version": 2, "decisions.a": 1 });
  });

  it("keeps the holder's name when another write lands on the version key between its read and its write", async () => {
    const { pool, holder, next } = await withTable(small(1n), 1n);
    pool.advance(TICK_MS);
    pool.sharedData.afterNextRead(VERSION_KEY, () => pool.sharedData.set(VERSION_KEY, "written meanwhile"));
    next.respond(ok(small(2n, "b"), 2n));
    // The guarded write failed, the key was read again and written.
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 2n, writer: leaseHolder(pool) });
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["b", "b", "b"]);
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
    expect(counters(holder)["controller.tables_written"]).toBe(2);
  });
});

describe("tables stored by a writer that does not keep the version key", () => {
  it("while the holder keeps it: reach every worker after the holder's next poll, which names them", async () => {
    const { pool, holder, next } = await withTable(small(1n), 1n);
    pool.advance(TICK_MS);
    pool.sharedData.set(SHARED_KEY, small(9n, "direct")); // an operator, or an older filter's late answer
    pool.advance(5 * TICK_MS);
    expect(routes(pool)).toEqual(["a", "a", "a"]);
    next.respond(NOT_MODIFIED); // the holder polls again at once, reading the table to name it
    expect(pool.onlyCall().header("if-none-match")).toBe('"9"');
    expect(versionKey(pool)!.version).toBe(9n);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["direct", "direct", "direct"]);
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
    expect(counters(holder)["controller.not_modified"]).toBe(1);
    for (const w of pool.workers.filter((w) => w !== holder)) {
      expect(counters(w)).toEqual({ "table.loaded": 2, "table.version": 9, "decisions.a": 1, "decisions.direct": 1 });
    }
  });

  it("while the holder keeps it: reach every worker within a tick when the writer also spoils the version key", async () => {
    const { pool, holder } = await withTable(small(1n), 1n);
    pool.advance(TICK_MS);
    pool.sharedData.set(SHARED_KEY, small(9n, "direct"));
    pool.sharedData.set(VERSION_KEY, "x");
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["direct", "direct", "direct"]);
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 9n, writer: leaseHolder(pool) });
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
    expect(pool.workers.map((w) => w.metric("table.loaded"))).toEqual([2, 2, 2]);
    expect(holder.metric("controller.polls")).toBe(2);
  });

  it("while the holder keeps it: a corrupt value is rejected once by each worker and the last good table stays", async () => {
    const { pool, holder, next } = await withTable(small(5n, "good"), 5n);
    pool.advance(TICK_MS);
    const corrupt = small(6n, "bad").slice();
    corrupt[20]! ^= 0x10;
    pool.sharedData.set(SHARED_KEY, corrupt);
    pool.advance(TICK_MS);
    next.respond(NOT_MODIFIED);
    // Nothing intact to name: the next poll asks for any table.
    expect(pool.onlyCall().header("if-none-match")).toBeUndefined();
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 0n, writer: leaseHolder(pool) });
    pool.advance(5 * TICK_MS);
    expect(routes(pool)).toEqual(["good", "good", "good"]);
    for (const w of pool.workers) {
      expect(w.metric("table.rejected.bad_checksum")).toBe(1);
      expect(w.host.findLogs(/rejected weight table from shared data: bad_checksum; keeping version 5/)).toHaveLength(1);
    }
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
    for (const w of pool.workers.filter((w) => w !== holder)) {
      expect(counters(w)).toEqual({ "table.loaded": 1, "table.version": 5, "table.rejected.bad_checksum": 1, "decisions.good": 1 });
    }
    // The controller's answer replaces it.
    pool.onlyCall().respond(ok(small(7n, "fresh"), 7n));
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["fresh", "fresh", "fresh"]);
  });

  it("a former holder's late answer: stored and named under its id, which no one trusts, so every worker reads it on its next tick", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    while (pool.pendingCalls().length === 0) pool.advance(1);
    const stalled = pool.onlyCall();
    pool.sharedData.set(SHARED_KEY, small(3n));
    pool.stop(stalled.worker);
    pool.advance(LEASE_MS + 2 * TICK_MS);
    const holderId = leaseHolder(pool);
    pool.resume(stalled.worker);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["a", "a", "a"]);
    stalled.respond(ok(small(8n, "late"), 8n));
    expect(versionKey(pool)!.writer).not.toBe(holderId);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["late", "late", "late"]);
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 8n, writer: holderId });
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
    expect(stalled.worker.metric("controller.tables_written")).toBe(1);
    expect(pool.workers.map((w) => w.metric("table.loaded"))).toEqual([2, 2, 2]);
  });

  it("while one holds the lease (an older filter version): every tick copies the table, so each new one arrives within a tick", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.sharedData.set(LEASE_KEY, leaseValue(0x0ddn, pool.nowMs() + 10 * TICK_MS));
    pool.sharedData.set(SHARED_KEY, small(1n));
    pool.advance(TICK_MS);
    // A version key an earlier holder left, naming the table every worker has read: its writer
    // is not the holder, so it is not trusted.
    pool.sharedData.set(VERSION_KEY, versionKeyValue(pool.sharedData.get(SHARED_KEY)!.cas, 1n, 0x1234n));
    pool.sharedData.set(SHARED_KEY, small(2n, "b"));
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["b", "b", "b"]);
    const bytes = small(2n, "b").length;
    expect(copiedOver(pool, 3, SHARED_KEY)).toEqual([3 * bytes, 3 * bytes, 3 * bytes]);
    expect(pool.pendingCalls()).toHaveLength(0);
    for (const w of pool.workers) expect(counters(w)).toEqual({ "table.loaded": 2, "table.version": 2, "decisions.b": 1 });

    // Its lease lapses; the worker that takes it names the table, and ticks copy nothing again.
    pool.advance(8 * TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(1);
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 2n, writer: leaseHolder(pool) });
    expect(copiedOver(pool, 5, SHARED_KEY)).toEqual([0, 0, 0]);
  });
});

describe("starts and restarts", () => {
  it("with no keys yet: ticks copy nothing of the table, and the first stored table creates the version key", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.advance(5 * TICK_MS);
    expect(pool.workers.map((w) => w.host.sharedDataCopied(SHARED_KEY).bytes)).toEqual([0, 0, 0]);
    expect(pool.sharedData.get(VERSION_KEY)).toBeUndefined();
    expect(routes(pool)).toEqual([null, null, null]);
    pool.onlyCall().respond(ok(small(4n), 4n));
    expect(versionKey(pool)).toEqual({ magic: "SWV1", tableCas: pool.sharedData.get(SHARED_KEY)!.cas, version: 4n, writer: leaseHolder(pool) });
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["a", "a", "a"]);
  });

  it("a worker VM started (or restarted) later reads the table once, then skips it", async () => {
    const { pool } = await withTable(large(3n), 3n);
    const late = await pool.addWorker(CONFIG);
    expect(late.route(requestHeaders("api"))).toBe("site-00");
    pool.advance(10 * TICK_MS);
    expect(late.host.sharedDataCopied(SHARED_KEY)).toEqual({ reads: 1, bytes: large(3n).length });
    expect(counters(late)).toEqual(readerCounters(3, { "site-00": 1 }));
  });

  it("a new holder names the table under its own id; meanwhile workers copy it for at most a tick", async () => {
    const { pool, holder } = await withTable(large(3n), 3n);
    pool.advance(TICK_MS);
    const firstId = leaseHolder(pool);
    pool.stop(holder);
    const bytes = large(3n).length;
    pool.advance(LEASE_MS + TICK_MS);
    const secondId = leaseHolder(pool);
    expect(secondId).not.toBe(firstId);
    expect(versionKey(pool)!.writer).toBe(secondId);
    expect(versionKey(pool)!.version).toBe(3n);
    // Each read it once at first; the new holder once more on taking the lease, and once to name
    // it in its first poll.
    const copied = pool.running().map((w) => w.host.sharedDataCopied(SHARED_KEY).bytes);
    expect(copied.sort((a, b) => a - b)).toEqual([bytes, 3 * bytes]);
    expect(copiedOver(pool, 10, SHARED_KEY)).toEqual([0, 0]);
    for (const w of pool.running()) expect(counters(w)["table.loaded"]).toBe(1);
    expect(routes(pool)).toEqual(["site-00", "site-00"]);
  });
});
