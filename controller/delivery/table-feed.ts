// The served weight table and the proxies waiting for a newer one. A table is prepared (version
// assigned, encoded once), recorded by the caller, then published: served by latest() and handed
// to every held poll at once.
//
// Versions outrank everything before them, across restarts and clock steps: the next version is
// above every version this feed prepared, above the floor (the last version the ledger holds, set
// at start) and, when the clock is ahead of all that, the clock's Unix ms. So a controller that
// restarts with its clock behind still issues versions proxies take.
import { Code, ControllerError } from "../errors/controller-error.js";
import { encodeTable } from "../table/encode.js";
import type { Service, WeightTable } from "../table/weight-table.js";
import { KnownVersions } from "./known-versions.js";
import { TableWaiters, type Deliver, type TableHold } from "./table-waiters.js";

export interface PublishedTable {
  version: bigint;
  issuedAtMs: bigint;
  bytes: Uint8Array;
  table: WeightTable;
}

export type { Deliver, TableHold };

const U64_MAX = (1n << 64n) - 1n;
/** The table format carries the TTL as a u32. */
const MAX_TTL_MS = 2 ** 32 - 1;

export class TableFeed {
  private current: PublishedTable | null = null;
  /** The highest version prepared, published or put under the floor. */
  private assigned = 0n;
  private closed = false;
  private readonly waiters = new TableWaiters();
  private readonly known: KnownVersions;

  /** `ttlMs` goes into every table; `clock` gives Unix ms (versions, issue times, the known window). */
  constructor(private readonly ttlMs: number, private readonly clock: () => number = Date.now) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
      throw ControllerError.invalid("ttlMs", `expected an integer from 1 to ${MAX_TTL_MS}, got ${ttlMs}`);
    }
    this.known = new KnownVersions(ttlMs, clock);
  }

  /**
   * Assigns the next version and encodes the table once; does not serve it yet. The version is
   * above every version prepared or published before, above the floor, and the clock's Unix ms
   * when that is higher.
   */
  prepare(services: readonly Service[]): PublishedTable {
    const now = BigInt(Math.floor(this.clock()));
    const next = this.assigned + 1n;
    const version = now > next ? now : next;
    if (version > U64_MAX) throw new ControllerError(Code.FailedPrecondition, "table versions are exhausted (u64)");
    const table: WeightTable = { version, issuedAtMs: now, ttlMs: this.ttlMs, canaryBp: null, services };
    const bytes = encodeTable(table);
    this.assigned = version;
    return { version, issuedAtMs: now, bytes, table };
  }

  /**
   * Serves a prepared table: latest() returns it and every waiter holding an older version gets
   * it. Refuses (FailedPrecondition) a table that is not newer than the one served.
   */
  publish(table: PublishedTable): void {
    if (this.current !== null && table.version <= this.current.version) {
      throw new ControllerError(Code.FailedPrecondition, `table version ${table.version} is not newer than the served ${this.current.version}`);
    }
    if (table.version > this.assigned) this.assigned = table.version;
    this.current = table;
    this.known.add(table.version);
    this.waiters.release(table);
  }

  /** The next prepared version will be above `version` (the last one the ledger holds, at start). */
  raiseFloor(version: bigint): void {
    if (version > this.assigned) this.assigned = version;
  }

  /**
   * Versions published before a restart (from the ledger), so isKnown() accepts them. Also raises
   * the floor above them. Only the highest KNOWN_VERSIONS_MAX are kept.
   */
  remember(versions: Iterable<bigint>): void {
    const list = [...versions];
    this.known.addAll(list);
    for (const version of list) this.raiseFloor(version);
  }

  /**
   * Published (or remembered) and still in the window (known-versions.ts: the last 64 versions,
   * and any within the last three TTLs, at most 1,024): used to refuse filter reports naming
   * versions the controller never published.
   */
  isKnown(version: bigint): boolean {
    return this.known.has(version);
  }

  latest(): PublishedTable | null {
    return this.current;
  }

  /** Polls held open now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Holds a long poll: calls `deliver` once,
   * with the first table published above `seen`, or with null when `waitMs` passes or the feed
   * closes. Returns null, and never calls `deliver`, when there is nothing to wait for: a table
   * newer than `seen` is served (take latest()), `waitMs` ≤ 0, or the feed is closed.
   * `deliver` must not throw (an error is rethrown to the publisher once all waiters have the table).
   * A caller holding a version newer than ours is held like any other, until a version above it.
   */
  wait(seen: bigint | null, waitMs: number, deliver: Deliver): TableHold | null {
    if (this.newer(seen) !== null || !(waitMs > 0) || this.closed) return null;
    return this.waiters.add(seen, waitMs, deliver);
  }

  /** Releases every waiter (shutdown): they answer "not modified" and the proxies re-poll. Later waits end at once. */
  close(): void {
    this.closed = true;
    this.waiters.releaseAll();
  }

  private newer(seen: bigint | null): PublishedTable | null {
    const current = this.current;
    return current !== null && (seen === null || current.version > seen) ? current : null;
  }
}
