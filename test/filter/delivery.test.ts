// Table delivery through the compiled filter: several worker VMs of one proxy share shared data;
// exactly one holds the lease and long-polls the controller, writes new tables to shared data
// and adopts them, and the others pick them up on their next tick.
import { describe, expect, it } from "vitest";
import { encodeTable } from "../../controller/table/encode.js";
import { SHARED_KEY, T0_MS, requestHeaders, table, upstreams } from "./filter-host.js";
import { WorkerPool, type PendingCall, type Worker } from "./worker-pool.js";

const TICK_MS = 100;
const LEASE_MS = 3 * TICK_MS; // the default
const LEASE_KEY = `${SHARED_KEY}.lease`;
const LOG_WARN = 3;
const CONFIG = { tick_ms: TICK_MS, controller: { cluster: "solar-controller" } };
const HOUR_MS = 3_600_000;

const v = (version: bigint, site: string, ttlMs = HOUR_MS) =>
  encodeTable(table([{ key: "api", upstreams: upstreams({ [site]: 1 }) }], { version, ttlMs }));

const ok = (bytes: Uint8Array, version: bigint) => ({
  headers: [[":status", "200"], ["etag", `"${version}"`], ["content-type", "application/vnd.solar-router.table"]] as Array<[string, string]>,
  body: bytes,
});
const NOT_MODIFIED = { headers: [[":status", "304"]] as Array<[string, string]> };

function leaseValue(holder: bigint, expiresAtMs: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, holder, true);
  view.setBigUint64(8, BigInt(expiresAtMs), true);
  return bytes;
}

function lease(pool: WorkerPool): { holder: bigint; expiresAtMs: number } | null {
  const value = pool.sharedData.get(LEASE_KEY)?.value;
  if (value === undefined) return null;
  expect(value.length).toBe(16);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { holder: view.getBigUint64(0, true), expiresAtMs: Number(view.getBigUint64(8, true)) };
}

const sum = (workers: Worker[], metric: string) => workers.reduce((n, w) => n + w.metric(metric), 0);
const routes = (pool: WorkerPool) => pool.running().map((w) => w.route(requestHeaders("api")));

/** Advances tick by tick until a call is pending; returns the ms that took. */
function untilCall(pool: WorkerPool, limitMs: number): number {
  for (let waited = 0; waited <= limitMs; waited += TICK_MS) {
    if (pool.pendingCalls().length > 0) return waited;
    pool.advance(TICK_MS);
  }
  throw new Error(`no poll within ${limitMs} ms`);
}

/** A pool of three whose holder has just sent its first poll. */
async function settled(config: object = CONFIG): Promise<{ pool: WorkerPool; call: PendingCall }> {
  const pool = await WorkerPool.start(3, config);
  expect(pool.workers.every((w) => w.configured)).toBe(true);
  while (pool.pendingCalls().length === 0) {
    expect(pool.nowMs()).toBeLessThan(T0_MS + 2 * TICK_MS);
    pool.advance(1);
  }
  return { pool, call: pool.onlyCall() };
}

describe("the lease", () => {
  it("is held by exactly one worker, which alone polls, one call at a time", async () => {
    const { pool, call } = await settled();
    for (let i = 0; i < 20; i++) {
      pool.advance(TICK_MS);
      expect(pool.pendingCalls()).toHaveLength(1);
    }
    const holder = call.worker;
    expect(pool.workers.map((w) => w.metric("lease.holder"))).toEqual(pool.workers.map((w) => (w === holder ? 1 : 0)));
    expect(sum(pool.workers, "lease.acquired")).toBe(1);
    expect(sum(pool.workers, "lease.lost")).toBe(0);
    expect(holder.metric("lease.renewed")).toBeGreaterThanOrEqual(20);
    expect(sum(pool.workers, "controller.polls")).toBe(1);
    expect(holder.metric("controller.polls")).toBe(1);

    // 16 bytes: holder id, then Unix ms at which it lapses, renewed on every tick.
    const value = lease(pool)!;
    expect(value.holder).not.toBe(0n);
    expect(value.expiresAtMs).toBeGreaterThan(pool.nowMs() + LEASE_MS - TICK_MS);
    expect(value.expiresAtMs).toBeLessThanOrEqual(pool.nowMs() + LEASE_MS);
    expect(pool.workers.filter((w) => w.host.findLogs("holding the table delivery lease").length > 0)).toEqual([holder]);
  });

  it("passes to another worker within lease_ms + one tick when the holder stops", async () => {
    const { pool, call } = await settled();
    const first = call.worker;
    const firstId = lease(pool)!.holder;
    const lapsesAt = lease(pool)!.expiresAtMs;
    pool.stop(first);
    while (pool.pendingCalls().length === 0) {
      expect(pool.nowMs()).toBeLessThanOrEqual(lapsesAt + TICK_MS);
      pool.advance(5);
    }
    expect(pool.nowMs()).toBeGreaterThanOrEqual(lapsesAt);
    const second = pool.onlyCall().worker;
    expect(second).not.toBe(first);
    expect(lease(pool)!.holder).not.toBe(firstId);
    pool.advance(10 * TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(1);
    expect(sum(pool.running(), "lease.acquired")).toBe(1);
  });

  it("is given up by a holder that stalled past it, which then stops polling", async () => {
    const { pool, call } = await settled();
    const first = call.worker;
    pool.stop(first);
    pool.advance(LEASE_MS + 2 * TICK_MS);
    const second = pool.onlyCall().worker;
    pool.resume(first);
    expect(first.metric("lease.lost")).toBe(1);
    expect(first.metric("lease.holder")).toBe(0);
    expect(first.host.findLogs("lost the table delivery lease")).toHaveLength(1);

    // The stalled poll's answer still counts (the table is valid and newer), but no new poll follows.
    call.respond(ok(v(8n, "late"), 8n));
    expect(first.route(requestHeaders("api"))).toBe("late");
    pool.advance(10 * TICK_MS);
    expect(pool.pendingCalls().map((c) => c.worker)).toEqual([second]);
    expect(first.metric("controller.polls")).toBe(1);
  });

  it("is taken over when the stored value is malformed", async () => {
    const pool = await WorkerPool.start(2, CONFIG);
    pool.sharedData.set(LEASE_KEY, "garbage");
    pool.advance(2 * TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(1);
    expect(lease(pool)).not.toBeNull();
  });
});

describe("races another worker wins (its write lands between our read and our write)", () => {
  it("taking a lapsed lease: the CAS fails, so the worker backs off and does not poll", async () => {
    const pool = await WorkerPool.start(1, CONFIG);
    const worker = pool.workers[0]!;
    pool.sharedData.set(LEASE_KEY, leaseValue(0x1111n, pool.nowMs() - 1));
    pool.sharedData.afterNextRead(LEASE_KEY, () => pool.sharedData.set(LEASE_KEY, leaseValue(0x2222n, pool.nowMs() + 250)));
    pool.advance(TICK_MS);
    expect(lease(pool)!.holder).toBe(0x2222n);
    expect(worker.metric("lease.acquired")).toBe(0);
    pool.advance(TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(0);
    // The winner never renews: once its lease lapses, this worker takes it.
    pool.advance(2 * TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(1);
    expect(worker.metric("lease.acquired")).toBe(1);
  });

  it("renewing: the CAS fails, so the holder knows it lost the lease and stops polling", async () => {
    const { pool, call } = await settled();
    const holder = call.worker;
    // Up to just before the holder's next tick; the other workers tick 1 and 2 ms after it.
    const due = holder.host.state.contexts.get(holder.rootId) as { nextTickNs: bigint };
    pool.advance(Number(due.nextTickNs - holder.host.now()) / 1e6 - 0.5);
    pool.sharedData.afterNextRead(LEASE_KEY, () => pool.sharedData.set(LEASE_KEY, leaseValue(0x3333n, pool.nowMs() + 10_000)));
    pool.advance(0.75);
    expect(lease(pool)!.holder).toBe(0x3333n);
    expect(holder.metric("lease.lost")).toBe(1);
    call.respond(NOT_MODIFIED);
    pool.advance(20 * TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(0);
    expect(sum(pool.workers, "controller.polls")).toBe(1);
  });

  it("storing a fetched table: a newer one written meanwhile is kept, and the older one not adopted", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.sharedData.set(SHARED_KEY, v(3n, "a"));
    pool.advance(2 * TICK_MS);
    const call = pool.onlyCall();
    pool.sharedData.afterNextRead(SHARED_KEY, () => pool.sharedData.set(SHARED_KEY, v(9n, "newer")));
    call.respond(ok(v(8n, "older"), 8n));
    expect(pool.sharedData.get(SHARED_KEY)!.value).toEqual(v(9n, "newer"));
    expect(call.worker.metric("controller.tables_written")).toBe(0);
    expect(call.worker.route(requestHeaders("api"))).toBe("a");
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["newer", "newer", "newer"]);
  });
});

describe("polling", () => {
  it("asks with GET, the path and wait_ms, the authority and the table media type, and no validator at first", async () => {
    const { call } = await settled();
    expect(call.cluster).toBe("solar-controller");
    expect(call.timeoutMs).toBe(30_000);
    expect(call.headers).toEqual([
      [":method", "GET"], [":path", "/v1/table?wait_ms=20000"], [":authority", "solar-controller"],
      ["accept", "application/vnd.solar-router.table"],
    ]);
  });

  it("writes a new table to shared data and adopts it at once; the other workers on their next tick", async () => {
    const { pool, call } = await settled();
    const holder = call.worker;
    const others = pool.workers.filter((w) => w !== holder);
    expect(routes(pool)).toEqual([null, null, null]);
    const bytes = v(7n, "site-a");
    call.respond(ok(bytes, 7n));

    expect(pool.sharedData.get(SHARED_KEY)!.value).toEqual(bytes);
    expect(holder.route(requestHeaders("api"))).toBe("site-a");
    expect(others.map((w) => w.route(requestHeaders("api")))).toEqual([null, null]);
    expect(holder.host.findLogs("using weight table version 7 from the controller")).toHaveLength(1);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["site-a", "site-a", "site-a"]);

    expect(holder.metric("controller.tables_fetched")).toBe(1);
    expect(holder.metric("controller.tables_written")).toBe(1);
    expect(pool.workers.map((w) => w.metric("table.loaded"))).toEqual([1, 1, 1]);
    // The holder knows its own write: no second decode, nothing ignored.
    expect(sum(pool.workers, "table.ignored_stale")).toBe(0);
    expect(sum(pool.workers, "controller.poll_failures")).toBe(0);

    // The next poll names the table it has.
    expect(pool.onlyCall().header("if-none-match")).toBe('"7"');
  });

  it("on 304 polls again at once with If-None-Match naming the newest table in shared data", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.sharedData.set(SHARED_KEY, v(3n, "a"));
    pool.advance(2 * TICK_MS);
    const first = pool.onlyCall();
    expect(first.header("if-none-match")).toBe('"3"');
    pool.advance(5_000); // the controller holds the poll
    expect(pool.pendingCalls()).toHaveLength(1);
    first.respond(NOT_MODIFIED);
    const next = pool.onlyCall();
    expect(next.token).not.toBe(first.token);
    expect(next.worker).toBe(first.worker);
    expect(next.header("if-none-match")).toBe('"3"');
    expect(first.worker.metric("controller.not_modified")).toBe(1);
    expect(first.worker.metric("controller.polls")).toBe(2);
    expect(routes(pool)).toEqual(["a", "a", "a"]);
  });

  it("waits for the next tick after an answer that came at once (the controller did not hold the poll)", async () => {
    const { pool, call } = await settled();
    call.respond(NOT_MODIFIED);
    expect(pool.pendingCalls()).toHaveLength(0);
    pool.advance(TICK_MS);
    expect(pool.pendingCalls()).toHaveLength(1);
  });

  it("polls once per tick with wait_ms 0", async () => {
    const { pool, call } = await settled({ tick_ms: TICK_MS, controller: { cluster: "c", wait_ms: 0, timeout_ms: 1000 } });
    expect(call.header(":path")).toBe("/v1/table?wait_ms=0");
    for (let i = 0; i < 5; i++) {
      pool.onlyCall().respond(NOT_MODIFIED);
      expect(pool.pendingCalls()).toHaveLength(0);
      pool.advance(TICK_MS);
    }
    expect(call.worker.metric("controller.polls")).toBe(6);
  });

  it("does not write or adopt a table older than the one shared data holds", async () => {
    const { pool, call } = await settled();
    pool.sharedData.set(SHARED_KEY, v(9n, "newer")); // written by someone else meanwhile
    call.respond(ok(v(8n, "older"), 8n));
    expect(pool.sharedData.get(SHARED_KEY)!.value).toEqual(v(9n, "newer"));
    expect(call.worker.metric("controller.tables_fetched")).toBe(1);
    expect(call.worker.metric("controller.tables_written")).toBe(0);
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["newer", "newer", "newer"]);
    expect(pool.onlyCall().header("if-none-match")).toBe('"9"');
  });

  it("replaces a corrupt value in shared data with a fetched table", async () => {
    const pool = await WorkerPool.start(2, CONFIG);
    const corrupt = v(50n, "bad").slice();
    corrupt[20]! ^= 1;
    pool.sharedData.set(SHARED_KEY, corrupt);
    pool.advance(2 * TICK_MS);
    const call = pool.onlyCall();
    expect(call.header("if-none-match")).toBeUndefined();
    call.respond(ok(v(2n, "good"), 2n));
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["good", "good"]);
  });
});

describe("when the controller fails", () => {
  it("rejects a corrupt table: not written, counted, backed off", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.sharedData.set(SHARED_KEY, v(3n, "a"));
    pool.advance(2 * TICK_MS);
    const call = pool.onlyCall();
    const corrupt = v(4n, "b").slice();
    corrupt[corrupt.length - 1]! ^= 0xff;
    call.respond(ok(corrupt, 4n));

    expect(pool.sharedData.get(SHARED_KEY)!.value).toEqual(v(3n, "a"));
    expect(call.worker.metric("table.rejected.bad_checksum")).toBe(1);
    expect(call.worker.metric("controller.poll_failures")).toBe(1);
    expect(call.worker.metric("controller.tables_fetched")).toBe(0);
    expect(call.worker.host.findLogs(/failed: bad table: bad_checksum; retrying with backoff/)).toHaveLength(1);
    expect(pool.pendingCalls()).toHaveLength(0);
    expect(untilCall(pool, 2_000)).toBeGreaterThanOrEqual(500);
    expect(routes(pool)).toEqual(["a", "a", "a"]);
  });

  it("rejects a table whose etag names another version", async () => {
    const { pool, call } = await settled();
    call.respond(ok(v(5n, "a"), 6n));
    expect(pool.sharedData.get(SHARED_KEY)).toBeUndefined();
    expect(call.worker.metric("controller.poll_failures")).toBe(1);
    expect(call.worker.host.findLogs(/etag does not name the table's version 5/)).toHaveLength(1);
  });

  it("accepts a weak etag and a missing one", async () => {
    const { pool, call } = await settled();
    call.respond({ headers: [[":status", "200"], ["etag", 'W/"5"']], body: v(5n, "a") });
    pool.advance(TICK_MS);
    pool.onlyCall().respond({ headers: [[":status", "200"]], body: v(6n, "b") });
    pool.advance(TICK_MS);
    expect(routes(pool)).toEqual(["b", "b", "b"]);
    expect(sum(pool.workers, "controller.poll_failures")).toBe(0);
  });

  it("backs off 1 s doubling to 30 s, logs once per state change, and keeps routing on the last table", async () => {
    const pool = await WorkerPool.start(3, CONFIG);
    pool.sharedData.set(SHARED_KEY, v(3n, "a"));
    pool.advance(2 * TICK_MS);
    const holder = pool.onlyCall().worker;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const call = pool.onlyCall();
      if (i % 3 === 1) call.respond({ headers: [[":status", "503"]], body: "overloaded" });
      else call.fail(); // connection failure, reset or timeout: no headers
      expect(pool.pendingCalls()).toHaveLength(0);
      waits.push(untilCall(pool, 40_000));
      expect(routes(pool)).toEqual(["a", "a", "a"]);
    }
    const ceilings = [1, 2, 4, 8, 16, 30, 30, 30, 30].map((s) => s * 1000);
    waits.forEach((waited, i) => {
      expect(waited, `wait ${i}`).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(waited, `wait ${i}`).toBeLessThanOrEqual(ceilings[i]! + TICK_MS);
    });
    expect(holder.metric("controller.poll_failures")).toBe(9);
    expect(holder.metric("controller.polls")).toBe(10);
    const warnings = holder.host.findLogs(/polling the controller \(cluster 'solar-controller'\) failed/, LOG_WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/no response \(connection failure, reset or timeout\)/);

    // Back: one line, and the next failure starts again from 1 s.
    pool.onlyCall().respond(NOT_MODIFIED);
    expect(holder.host.findLogs("controller reachable again after 9 failed polls")).toHaveLength(1);
    pool.advance(TICK_MS);
    pool.onlyCall().fail();
    expect(untilCall(pool, 2_000)).toBeLessThanOrEqual(1_000 + TICK_MS);
    expect(holder.host.findLogs(/polling the controller .* failed/)).toHaveLength(2);
  });

  it("waits as long as Retry-After asks, up to the longest backoff", async () => {
    const { pool, call } = await settled();
    call.respond({ headers: [[":status", "503"], ["retry-after", "5"]], body: "no table published yet" });
    expect(untilCall(pool, 10_000)).toBeGreaterThanOrEqual(5_000);
    pool.onlyCall().respond({ headers: [[":status", "503"], ["retry-after", "3600"]] });
    const waited = untilCall(pool, 40_000);
    expect(waited).toBeGreaterThanOrEqual(30_000);
    expect(waited).toBeLessThanOrEqual(30_000 + TICK_MS);
  });

  it("gives up on an answer that never comes, and ignores it if it comes late", async () => {
    const { pool, call } = await settled();
    pool.advance(30_000 + 2 * TICK_MS); // timeout_ms and two ticks
    expect(call.worker.metric("controller.poll_failures")).toBe(1);
    expect(call.worker.host.findLogs(/failed: no answer within timeout_ms/)).toHaveLength(1);
    pool.advance(1_000 + TICK_MS);
    const calls = pool.pendingCalls();
    expect(calls).toHaveLength(2);
    call.respond(ok(v(4n, "late"), 4n));
    expect(pool.sharedData.get(SHARED_KEY)).toBeUndefined();
    expect(call.worker.metric("controller.polls")).toBe(2);
  });

  it("routes until the table's TTL passes, then passes through", async () => {
    const pool = await WorkerPool.start(2, CONFIG);
    pool.sharedData.set(SHARED_KEY, v(3n, "a", 10_000));
    pool.advance(2 * TICK_MS);
    for (let elapsed = 0; elapsed < 9_000; elapsed += TICK_MS) {
      for (const call of pool.pendingCalls()) call.fail();
      pool.advance(TICK_MS);
    }
    expect(routes(pool)).toEqual(["a", "a"]);
    pool.advance(1_200);
    expect(routes(pool)).toEqual([null, null]);
    pool.advance(TICK_MS);
    expect(sum(pool.workers, "passthrough.table_expired")).toBe(2);
  });

  it("counts a call the host refuses (unknown cluster) as a failure and backs off", async () => {
    const pool = await WorkerPool.start(2, { tick_ms: TICK_MS, controller: { cluster: "missing" } }, { clusters: ["other"] });
    pool.advance(2 * TICK_MS);
    const failures = () => sum(pool.workers, "controller.poll_failures");
    expect(failures()).toBe(1);
    expect(pool.pendingCalls()).toHaveLength(0);
    pool.advance(400);
    expect(failures()).toBe(1);
    pool.advance(700);
    expect(failures()).toBe(2);
    const logs = pool.workers.flatMap((w) => w.host.findLogs(/the host refused the call \(is cluster 'missing' defined\?\)/));
    expect(logs).toHaveLength(1);
  });
});
