import { afterEach, describe, expect, it, vi } from "vitest";
import type { PublishedTable } from "../../../controller/delivery/table-feed.js";
import { TableWaiters } from "../../../controller/delivery/table-waiters.js";

/** Only the version matters to the waiters. */
const table = (version: bigint): PublishedTable => ({ version, issuedAtMs: 0n, bytes: new Uint8Array(), table: null! });

function recorder() {
  const got: (bigint | null | "none")[] = [];
  return { got, deliver: (i: number) => (t: PublishedTable | null) => (got[i] = t === null ? null : t.version) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("table waiters", () => {
  it("releases only the callers holding a version below the released one, in arrival order", () => {
    const waiters = new TableWaiters();
    const order: string[] = [];
    waiters.add(5n, 10_000, () => order.push("a@5"));
    waiters.add(null, 10_000, () => order.push("b@none"));
    waiters.add(9n, 10_000, () => order.push("c@9"));
    waiters.add(5n, 10_000, () => order.push("d@5"));
    waiters.add(7n, 10_000, () => order.push("e@7"));
    expect(waiters.size).toBe(5);
    waiters.release(table(7n));
    expect(order).toEqual(["a@5", "d@5", "b@none"]);
    expect(waiters.size).toBe(2);
    waiters.release(table(10n));
    expect(order).toEqual(["a@5", "d@5", "b@none", "c@9", "e@7"]);
    expect(waiters.size).toBe(0);
    waiters.releaseAll();
  });

  it("answers each hold once: a timed-out or cancelled hold is not answered again", () => {
    vi.useFakeTimers();
    const waiters = new TableWaiters();
    const calls: (bigint | null)[] = [];
    const deliver = (t: PublishedTable | null): void => void calls.push(t?.version ?? null);
    waiters.add(1n, 100, deliver);
    const cancelled = waiters.add(1n, 10_000, deliver);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([null]);
    expect(cancelled.cancel()).toBe(true);
    expect(cancelled.cancel()).toBe(false);
    expect(waiters.size).toBe(0);
    waiters.release(table(2n));
    vi.advanceTimersByTime(20_000);
    expect(calls).toEqual([null]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears the timers of released holds", () => {
    vi.useFakeTimers();
    const waiters = new TableWaiters();
    const { got, deliver } = recorder();
    for (let i = 0; i < 100; i++) waiters.add(1n, 1_000 + i, deliver(i));
    expect(vi.getTimerCount()).toBe(100);
    waiters.release(table(2n));
    expect(vi.getTimerCount()).toBe(0);
    expect(got).toEqual(Array(100).fill(2n));
  });

  it("starts a fresh group for a version whose old group was released", () => {
    const waiters = new TableWaiters();
    const { got, deliver } = recorder();
    const old = waiters.add(1n, 10_000, deliver(0));
    waiters.release(table(2n));
    waiters.add(1n, 10_000, deliver(1));
    expect(old.cancel()).toBe(false); // answered already; must not touch the new group
    expect(waiters.size).toBe(1);
    waiters.release(table(3n));
    expect(got).toEqual([2n, 3n]);
  });

  it("answers everyone with null on releaseAll, even past a throwing deliver", () => {
    const waiters = new TableWaiters();
    const { got, deliver } = recorder();
    waiters.add(1n, 10_000, deliver(0));
    waiters.add(1n, 10_000, () => {
      throw new Error("boom");
    });
    waiters.add(8n, 10_000, deliver(2));
    expect(() => waiters.releaseAll()).toThrow("boom");
    expect(got).toEqual([null, undefined, null]);
    expect(waiters.size).toBe(0);
  });

  it("caps a wait at the longest timer delay rather than firing at once", () => {
    vi.useFakeTimers();
    const waiters = new TableWaiters();
    const { got, deliver } = recorder();
    waiters.add(1n, Number.MAX_SAFE_INTEGER, deliver(0));
    vi.advanceTimersByTime(1_000);
    expect(got).toEqual([]);
    expect(waiters.size).toBe(1);
    waiters.releaseAll();
  });
});
