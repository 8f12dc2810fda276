import { describe, expect, it } from "vitest";
import { decodeTable } from "../../../controller/table/decode.js";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import type { Service } from "../../../controller/table/weight-table.js";

/** Prepares and serves a table at once (no ledger in between). */
function serve(feed: TableFeed, services: Service[]) {
  const table = feed.prepare(services);
  feed.publish(table);
  return table;
}

const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];

describe("table feed", () => {
  it("versions tables by the clock, always increasing", () => {
    let now = 1_000;
    const feed = new TableFeed(30_000, () => now);
    expect(serve(feed, services).version).toBe(1_000n);
    expect(serve(feed, services).version).toBe(1_001n); // same millisecond
    now = 500; // clock stepped back
    expect(serve(feed, services).version).toBe(1_002n);
    now = 5_000;
    const latest = serve(feed, services);
    expect(latest.version).toBe(5_000n);
    expect(decodeTable(latest.bytes).value).toMatchObject({ version: 5_000n, issuedAtMs: 5_000n, ttlMs: 30_000, services });
  });

  it("answers at once when the caller's version is not the newest", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed, services);
    expect(await feed.newerThan(null, 10_000)).toBe(first);
    expect(await feed.newerThan(first.version - 1n, 10_000)).toBe(first);
  });

  it("holds a caller with the newest version until a newer one, waking every waiter", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed, services);
    const waiting = [feed.newerThan(first.version, 10_000), feed.newerThan(first.version, 10_000)];
    expect(feed.waiting).toBe(2);
    const started = performance.now();
    setTimeout(() => serve(feed, services), 20);
    const [a, b] = await Promise.all(waiting);
    expect(a?.version).toBeGreaterThan(first.version);
    expect(b).toBe(a);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(feed.waiting).toBe(0);
  });

  it("gives up after the wait, or on abort, and forgets the waiter", async () => {
    const feed = new TableFeed(30_000);
    const first = serve(feed, services);
    expect(await feed.newerThan(first.version, 30)).toBeNull();
    const abort = new AbortController();
    const pending = feed.newerThan(first.version, 10_000, abort.signal);
    abort.abort();
    expect(await pending).toBeNull();
    expect(feed.waiting).toBe(0);
  });
});
