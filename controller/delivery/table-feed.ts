// The published weight table and the proxies waiting for a newer one. Publishing wakes every
// waiter at once, so a new version reaches all long-polling proxies within milliseconds.
import { encodeTable } from "../table/encode.js";
import type { Service, WeightTable } from "../table/weight-table.js";

export interface PublishedTable {
  version: bigint;
  issuedAtMs: bigint;
  bytes: Uint8Array;
  table: WeightTable;
}

type Waiter = (table: PublishedTable | null) => void;

/** Filters count for the table in use and the one before it; a few more cover slow reporters. */
const RECENT_VERSIONS = 16;

export class TableFeed {
  private current: PublishedTable | null = null;
  private readonly waiters = new Set<Waiter>();
  /** Versions published by this process, newest last; reports may name only these. */
  private readonly recent: bigint[] = [];

  constructor(private readonly ttlMs: number, private readonly clock: () => number = Date.now) {}

  latest(): PublishedTable | null {
    return this.current;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Encodes and publishes a new version. Versions are Unix milliseconds when the clock allows
   * (so a restarted controller still outranks what proxies hold) and always increase.
   */
  publish(services: readonly Service[]): PublishedTable {
    const now = BigInt(this.clock());
    const previous = this.current?.version ?? 0n;
    const version = now > previous ? now : previous + 1n;
    const table: WeightTable = { version, issuedAtMs: now, ttlMs: this.ttlMs, canaryBp: null, services };
    const published = { version, issuedAtMs: now, bytes: encodeTable(table), table };
    this.current = published;
    this.recent.push(version);
    if (this.recent.length > RECENT_VERSIONS) this.recent.shift();
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake(published);
    return published;
  }

  /**
   * The newest table if its version differs from `seen`; otherwise waits up to `waitMs` for
   * one (null on timeout or abort).
   */
  async newerThan(seen: bigint | null, waitMs: number, signal?: AbortSignal): Promise<PublishedTable | null> {
    const current = this.current;
    if (current !== null && current.version !== seen) return current;
    if (waitMs <= 0 || signal?.aborted) return null;
    return new Promise((resolve) => {
      const done = (table: PublishedTable | null): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(done);
        resolve(table);
      };
      const onAbort = (): void => done(null);
      const timer = setTimeout(() => done(null), waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  /** Releases every waiter (shutdown): they answer "not modified" and the proxies re-poll. */
  close(): void {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake(null);
  }

  /** True for the versions this process published recently (the last 16). */
  isKnown(version: bigint): boolean {
    return this.recent.includes(version);
  }
}
