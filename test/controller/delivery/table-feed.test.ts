import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeTable } from "../../../controller/table/decode.js";
import { TableFeed, type PublishedTable } from "../../../controller/delivery/table-feed.js";
import { Code, ControllerError } from "../../../controller/errors/controller-error.js";
import type { Service } from "../../../controller/table/weight-table.js";

const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];

function serve(feed: TableFeed): PublishedTable {
  const table = feed.prepare(services);
  feed.publish(table);
  return table;
}

/**
 * A long poll as a promise: the served table at once if it is newer than `seen`, else the one
 * `wait` delivers (null when the wait ends, the feed closes, or `signal` aborts and cancels it).
 */
function newerThan(feed: TableFeed, seen: bigint | null, waitMs: number, signal?: AbortSignal): Promise<PublishedTable | null> {
  const current = feed.latest();
  const newer = current !== null && (seen === null || current.version > seen) ? current : null;
  if (newer !== null || signal?.aborted) return Promise.resolve(newer);
  return new Promise((resolve) => {
    const hold = feed.wait(seen, waitMs, resolve);
    if (hold === null) return resolve(null);
    signal?.addEventListener("abort", () => {
      if (hold.cancel()) resolve(null);
    }, { once: true });
  });
}

/** Settles pending promise callbacks without letting any timer run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function track<T>(promise: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  void promise.then((v) => {
    done = true;
    value = v;
  });
  return { settled: () => done, value: () => value };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("table feed versions", () => {
  it("follows the clock, always increasing, with the clock as the issue time", () => {
    let now = 1_000;
    const feed = new TableFeed(30_000, () => now);
    expect(serve(feed).version).toBe(1_000n);
    expect(serve(feed).version).toBe(1_001n); // same millisecond
    now = 500; // clock stepped back
    const stepped = serve(feed);
    expect(stepped).toMatchObject({ version: 1_002n, issuedAtMs: 500n });
    now = 5_000;
    const latest = serve(feed);
    expect(latest.version).toBe(5_000n);
    expect(decodeTable(latest.bytes).value).toMatchObject({ version: 5_000n, issuedAtMs: 5_000n, ttlMs: 30_000, canaryBp: null, services });
  });

  it("starts above the floor the ledger holds, even with the clock behind it", () => {
    const now = 1_000;
    const feed = new TableFeed(30_000, () => now);
    feed.raiseFloor(9_000n);
    feed.raiseFloor(4_000n); // a lower floor changes nothing
    const first = feed.prepare(services);
    expect(first).toMatchObject({ version: 9_001n, issuedAtMs: 1_000n });
    expect(decodeTable(first.bytes).value).toMatchObject({ version: 9_001n, issuedAtMs: 1_000n });
  });

  it("counts remembered versions as a floor too", () => {
    const feed = new TableFeed(30_000, () => 1_000);
    feed.remember([7_000n, 12_000n, 3_000n]);
    expect(feed.prepare(services).version).toBe(12_001n);
  });

  it("never hands out a version twice, even for tables prepared and not published", () => {
    const feed = new TableFeed(30_000, () => 1_000);
    const a = feed.prepare(services);
    const b = feed.prepare(services);
    expect([a.version, b.version]).toEqual([1_000n, 1_001n]);
    expect(feed.latest()).toBeNull();
  });

  it("refuses a bad TTL, naming the option", () => {
    for (const ttl of [0, -1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => new TableFeed(ttl)).toThrow(expect.objectContaining({ code: Code.InvalidArgument, field: "ttlMs" }));
    }
  });
});

describe("table feed publishing", () => {
  it("serves a table only once published, and refuses one that is not newer than the served", () => {
    const feed = new TableFeed(30_000, () => 1_000);
    const older = feed.prepare(services);
    const newer = feed.prepare(services);
    expect(feed.latest()).toBeNull();
    feed.publish(newer);
    expect(feed.latest()).toBe(newer);
    for (const stale of [older, newer]) {
      const refused = (() => {
        try {
          feed.publish(stale);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(ControllerError);
      expect(refused).toMatchObject({ code: Code.FailedPrecondition });
    }
    expect(feed.latest()).toBe(newer);
  });

  it("wakes a held caller on publish, not on prepare", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    const poll = track(newerThan(feed, first.version, 10_000));
    const next = feed.prepare(services);
    await settle();
    expect(poll.settled()).toBe(false);
    feed.publish(next);
    await settle();
    expect(poll.value()).toBe(next);
  });
});

describe("table feed long polls", () => {
  it("answers at once when the caller holds no table or an older one", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    expect(await newerThan(feed, null, 10_000)).toBe(first);
    expect(await newerThan(feed, first.version - 1n, 10_000)).toBe(first);
    expect(feed.waiting).toBe(0);
  });

  it("holds callers with the newest version until a newer one, waking every waiter with the same table", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    const waiting = [newerThan(feed, first.version, 10_000), newerThan(feed, first.version, 10_000)];
    expect(feed.waiting).toBe(2);
    const second = serve(feed);
    expect(feed.waiting).toBe(0);
    expect(await Promise.all(waiting)).toEqual([second, second]);
  });

  it("holds a caller whose version is newer than ours until a version above it", async () => {
    const feed = new TableFeed(30_000, () => 1_000);
    serve(feed); // 1000: a controller restarted with its clock behind the proxy's table
    const poll = track(newerThan(feed, 5_000n, 10_000));
    expect(feed.waiting).toBe(1);
    serve(feed); // 1001: still older than what the proxy holds
    await settle();
    expect(poll.settled()).toBe(false);
    expect(feed.waiting).toBe(1);
    feed.raiseFloor(5_000n);
    const above = serve(feed);
    await settle();
    expect(above.version).toBe(5_001n);
    expect(poll.value()).toBe(above);
    expect(feed.waiting).toBe(0);
  });

  it("gives a caller ahead of us one answer per wait, not a tight loop", async () => {
    vi.useFakeTimers();
    const feed = new TableFeed(30_000, () => 1_000);
    serve(feed);
    let answers = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop && answers < 1_000) {
        expect(await newerThan(feed, 5_000n, 1_000)).toBeNull();
        answers++;
      }
    })();
    await vi.advanceTimersByTimeAsync(10_000); // ten simulated seconds
    stop = true;
    await vi.advanceTimersByTimeAsync(1_000);
    await loop;
    expect(answers).toBe(11);
  });

  it("ends a wait with null exactly when it passes, and on abort, forgetting the waiter", async () => {
    vi.useFakeTimers();
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    const timed = track(newerThan(feed, first.version, 500));
    await vi.advanceTimersByTimeAsync(499);
    expect(timed.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(timed.settled()).toBe(true);
    expect(timed.value()).toBeNull();
    const abort = new AbortController();
    const aborted = newerThan(feed, first.version, 10_000, abort.signal);
    expect(feed.waiting).toBe(1);
    abort.abort();
    expect(await aborted).toBeNull();
    expect(feed.waiting).toBe(0);
    expect(await newerThan(feed, first.version, 10_000, abort.signal)).toBeNull(); // already aborted
    expect(vi.getTimerCount()).toBe(0);
  });

  it("answers at once when there is nothing to wait for", async () => {
    const feed = new TableFeed(30_000);
    expect(await newerThan(feed, null, 0)).toBeNull();
    const first = serve(feed);
    expect(await newerThan(feed, first.version, 0)).toBeNull();
    expect(feed.wait(first.version, 0, () => {})).toBeNull();
    expect(feed.wait(first.version - 1n, 10_000, () => {})).toBeNull();
    expect(feed.waiting).toBe(0);
  });

  it("releases every waiter on close, and holds nobody after", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    const before = newerThan(feed, null, 10_000); // answered at once: a table is served
    const held = [newerThan(feed, first.version, 10_000), newerThan(feed, first.version + 5n, 10_000)];
    expect(feed.waiting).toBe(2);
    feed.close();
    expect(await Promise.all(held)).toEqual([null, null]);
    expect(await before).toBe(first);
    expect(feed.wait(first.version, 10_000, () => {})).toBeNull();
    expect(feed.waiting).toBe(0);
  });

  it("hands the table to every waiter even if one of them throws, then reports the error", () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed);
    const got: (PublishedTable | null)[] = [];
    feed.wait(first.version, 10_000, (t) => got.push(t));
    feed.wait(first.version, 10_000, () => {
      throw new Error("broken waiter");
    });
    feed.wait(first.version, 10_000, (t) => got.push(t));
    const next = feed.prepare(services);
    expect(() => feed.publish(next)).toThrow("broken waiter");
    expect(got).toEqual([next, next]);
    expect(feed.latest()).toBe(next);
    expect(feed.waiting).toBe(0);
  });
});

describe("table feed known versions", () => {
  it("knows published and remembered versions, not prepared or invented ones", () => {
    const feed = new TableFeed(30_000, () => 10_000);
    feed.remember([3_000n, 4_000n]);
    const published = serve(feed);
    const prepared = feed.prepare(services);
    expect(feed.isKnown(published.version)).toBe(true);
    expect(feed.isKnown(3_000n)).toBe(true);
    expect(feed.isKnown(4_000n)).toBe(true);
    expect(feed.isKnown(prepared.version)).toBe(false);
    expect(feed.isKnown(3_500n)).toBe(false);
  });
});
