// Groups appends into integrations: a batch closes when it holds maxBatchRecords or its oldest
// record has waited maxBatchAgeMs (or at once for an urgent record), and then an integration
// starts. At most one integration runs at a time, so checkpoints follow one another in size order;
// an integration takes every record waiting when it starts, so under load one signature covers
// many batches, and records appended together (the parts of a chunked record) always share one.
//
// A failed integration is retried, after a wait that doubles from retryMinMs to retryMaxMs (with
// jitter), with the same records first, in the same order. That cannot fork the log: an
// integration extends the last state whose checkpoint was stored, and its records keep their
// indices, so whatever a failed attempt left on disk (bundles, tiles, even a checkpoint whose write
// reported an error after reaching the disk) is a prefix of what the retry writes. Records stay
// queued until they are durable; past maxPendingRecords new appends are refused as overload.
import { Code, ControllerError } from "../../errors/controller-error.js";

/** Integrates a batch; resolves with the index of its first entry once it is durable. */
export type IntegrateBatch = (entries: readonly Uint8Array[]) => Promise<number>;

export interface BatcherOptions {
  readonly maxBatchRecords: number;
  readonly maxBatchAgeMs: number;
  readonly maxPendingRecords: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly random: () => number;
}

export interface LogHealth {
  /** False while integrations fail; records then wait for the next attempt. */
  readonly ok: boolean;
  readonly consecutiveFailures: number;
  /** Why the latest attempt failed, while failing. */
  readonly lastError?: string;
  /** Records appended and not yet durable. */
  readonly pendingRecords: number;
}

export interface BatcherHooks {
  readonly pending?: (records: number) => void;
  readonly refused?: (reason: "overloaded" | "closed") => void;
}

interface Pending {
  readonly entries: readonly Uint8Array[];
  readonly resolve: (first: number) => void;
  readonly reject: (error: unknown) => void;
}

export class Batcher {
  private pending: Pending[] = [];
  private pendingRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private due = false;
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastError: string | undefined;
  /** Set by close(): appends are refused with it. */
  private closed: ControllerError | undefined;
  /** Set by close(): no further attempts. */
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly listeners = new Set<(health: LogHealth) => void>();

  constructor(
    private readonly run: IntegrateBatch,
    private readonly options: BatcherOptions,
    private readonly hooks: BatcherHooks = {},
  ) {}

  /** Queues entries to be integrated together, in order; resolves with the first one's index once durable. */
  add(entries: readonly Uint8Array[], urgent = false): Promise<number> {
    if (this.closed) {
      this.hooks.refused?.("closed");
      return Promise.reject(this.closed);
    }
    if (entries.length === 0) return Promise.reject(ControllerError.invalid("entries", "none given"));
    if (entries.length > this.options.maxPendingRecords) {
      return Promise.reject(ControllerError.invalid("entries", `${entries.length} at once, at most ${this.options.maxPendingRecords} (maxPendingRecords)`));
    }
    if (this.pendingRecords + entries.length > this.options.maxPendingRecords) {
      this.hooks.refused?.("overloaded");
      const why = this.failures > 0 ? `, integrations failing: ${this.lastError}` : "";
      return Promise.reject(new ControllerError(Code.Unavailable, `ledger is overloaded: too many records waiting${why}`, undefined, this.retryAfterSeconds()));
    }
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ entries, resolve, reject });
      this.pendingRecords += entries.length;
      this.hooks.pending?.(this.pendingRecords);
      if (urgent || this.pendingRecords >= this.options.maxBatchRecords) this.kick();
      else this.arm();
    });
  }

  get health(): LogHealth {
    const base = { ok: this.failures === 0, consecutiveFailures: this.failures, pendingRecords: this.pendingRecords };
    return this.lastError === undefined ? base : { ...base, lastError: this.lastError };
  }

  /** Called with the new health whenever an attempt fails, and when the first one succeeds again. */
  onHealthChange(listener: (health: LogHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Integrates what is waiting now; resolves once it is durable, rejects (Unavailable) after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.pending.length > 0) this.kick();
    if (!(await settlesWithin(this.idle, timeoutMs))) {
      const why = this.lastError === undefined ? "" : `: ${this.lastError}`;
      throw new ControllerError(Code.Unavailable, `ledger: ${this.pendingRecords} records not durable after ${timeoutMs} ms${why}`, undefined, this.retryAfterSeconds());
    }
  }

  /**
   * Refuses new appends, gives waiting records until `timeoutMs` to become durable (unless
   * integrations are failing), then ends retries and rejects what is still waiting. Resolves true
   * when no attempt is left in flight.
   */
  async close(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    this.closed ??= new ControllerError(Code.Unavailable, "ledger is closed");
    if (this.failures === 0 && this.pending.length > 0) await this.flush(timeoutMs).catch(() => undefined);
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    // An attempt in flight cannot be stopped halfway through its writes; wait for it while time is left.
    const settled = await settlesWithin(this.idle, Math.max(0, deadline - performance.now()));
    const why = this.lastError === undefined ? "" : ` (last failure: ${this.lastError})`;
    const error = new ControllerError(Code.Unavailable, `ledger closed before the record was durable${why}`);
    for (const p of this.pending.splice(0)) p.reject(error);
    this.pendingRecords = 0;
    this.hooks.pending?.(0);
    return settled;
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.maxBatchAgeMs);
  }

  private kick(): void {
    this.due = true;
    if (this.running || this.stopped) return;
    this.running = true;
    this.idle = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      await this.drainBatches();
    } finally {
      // Cleared in the same turn the loop ends, so a kick() right after starts a new drain.
      this.running = false;
    }
  }

  private async drainBatches(): Promise<void> {
    while (!this.stopped && this.due && this.pending.length > 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.due = false;
      // They stay queued until durable; appends arriving meanwhile queue behind them.
      const batch = this.pending.slice();
      const entries = batch.flatMap((p) => p.entries);
      let first: number;
      try {
        first = await this.run(entries);
      } catch (e) {
        this.failures++;
        this.lastError = e instanceof Error ? e.message : String(e);
        this.emit();
        await this.pause(this.retryDelayMs());
        this.due = true;
        continue;
      }
      // Durable: resolved even if close() is waiting for this attempt, unless it gave up and answered them.
      if (this.pending[0] !== batch[0]) return;
      this.pending.splice(0, batch.length);
      this.pendingRecords -= entries.length;
      this.hooks.pending?.(this.pendingRecords);
      let at = first;
      for (const p of batch) {
        p.resolve(at);
        at += p.entries.length;
      }
      if (this.failures > 0) {
        this.failures = 0;
        this.lastError = undefined;
        this.emit();
      }
    }
  }

  /** Doubles from retryMinMs per consecutive failure up to retryMaxMs, then a random half of it off. */
  private retryDelayMs(): number {
    const full = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** Math.min(this.failures - 1, 30));
    return full / 2 + (this.options.random() * full) / 2;
  }

  private retryAfterSeconds(): number {
    return this.failures === 0 ? 1 : Math.max(1, Math.ceil(this.retryDelayMs() / 1000));
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private emit(): void {
    const health = this.health;
    for (const listener of this.listeners) {
      try {
        listener(health);
      } catch {
        // A listener's failure must not stop the retries.
      }
    }
  }
}

/** True if `promise` settles within `ms`; never rejects. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
