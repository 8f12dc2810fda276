// The long polls held open until a table newer than the one each caller holds is served. Holds
// are grouped by the version their caller holds, so serving a version releases whole groups: no
// scan of the holds that must stay (a caller that holds a newer version than ours, e.g. after a
// restart with the clock behind, waits on in its own group).
import type { PublishedTable } from "./table-feed.js";

/** Runs once per hold: with the newer table, or null when the wait ends or the feed closes. */
export type Deliver = (table: PublishedTable | null) => void;

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TableHold {
  /** @internal */ timer: NodeJS.Timeout | null = null;
  private waiting = true;

  /** @internal */
  constructor(private readonly owner: TableWaiters, readonly seen: bigint, private readonly deliver: Deliver) {}

  /** Stops waiting without an answer (the client went away). True if it was still waiting. */
  cancel(): boolean {
    if (!this.waiting) return false;
    this.owner.forget(this);
    this.stop();
    return true;
  }

  /** @internal Ends the hold with `table`; returns what `deliver` threw, if anything. */
  end(table: PublishedTable | null): unknown {
    if (!this.waiting) return undefined;
    this.stop();
    try {
      this.deliver(table);
      return undefined;
    } catch (error) {
      return error ?? new Error("deliver threw a nullish value");
    }
  }

  /** @internal The wait passed: answers null. */
  expire(): void {
    this.timer = null;
    if (!this.waiting) return;
    this.owner.forget(this);
    throwIf(this.end(null));
  }

  private stop(): void {
    this.waiting = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function expire(hold: TableHold): void {
  hold.expire();
}

export class TableWaiters {
  /** By the version the callers hold; -1 for "holds no table". */
  private readonly groups = new Map<bigint, Set<TableHold>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Holds a caller that has `seen` until a version above it is released or `waitMs` passes. */
  add(seen: bigint | null, waitMs: number, deliver: Deliver): TableHold {
    const key = seen ?? -1n;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new Set();
      this.groups.set(key, group);
    }
    const hold = new TableHold(this, key, deliver);
    group.add(hold);
    this.count++;
    hold.timer = setTimeout(expire, Math.min(waitMs, MAX_TIMER_MS), hold);
    return hold;
  }

  /**
   * Answers every caller holding a version below `table.version` with `table`. A throwing
   * `deliver` does not stop the others; the first error is rethrown once all are answered.
   */
  release(table: PublishedTable): void {
    let failure: unknown;
    for (const [seen, group] of this.groups) {
      if (seen >= table.version) continue;
      this.groups.delete(seen);
      this.count -= group.size;
      for (const hold of group) {
        const error = hold.end(table);
        failure ??= error;
      }
    }
    throwIf(failure);
  }

  /** Answers every caller with null (shutdown). */
  releaseAll(): void {
    let failure: unknown;
    const groups = [...this.groups.values()];
    this.groups.clear();
    this.count = 0;
    for (const group of groups) {
      for (const hold of group) {
        const error = hold.end(null);
        failure ??= error;
      }
    }
    throwIf(failure);
  }

  /** @internal */
  forget(hold: TableHold): void {
    const group = this.groups.get(hold.seen);
    if (group === undefined || !group.delete(hold)) return;
    this.count--;
    if (group.size === 0) this.groups.delete(hold.seen);
  }
}

function throwIf(failure: unknown): void {
  if (failure !== undefined) throw failure;
}
