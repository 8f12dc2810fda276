// The log's front door. append() hands an entry to the batcher and resolves with its index only
// after the integration that includes it has stored its bundle, its tiles and the checkpoint that
// covers it: a resolved index survives any crash. A failed integration does not end the log: the
// batcher retries it with backoff while health() reports the failure. After each integration the
// partial tiles and bundles it made obsolete are deleted (partials.ts), before the next one starts.
import { ControllerError } from "../../errors/controller-error.js";
import type { LogKeys } from "../checkpoint/key-store.js";
import type { LogStorage } from "../storage/storage.js";
import { Batcher, type LogHealth } from "./batcher.js";
import { MAX_ENTRY_BYTES } from "./bundle.js";
import { prepareIntegration, resourcesOf, storeIntegration, type Integrated, type LogState } from "./integrate.js";
import type { LogMetrics } from "./metrics.js";
import type { ResolvedLogOptions } from "./options.js";
import type { PartialTracker } from "./partials.js";
import type { SigningClock } from "./signing-clock.js";

export type { LogHealth } from "./batcher.js";

export interface AppendOptions {
  /** Integrate at once instead of waiting up to maxBatchAgeMs; records already waiting go along. */
  readonly urgent?: boolean;
}

export interface WaitOptions {
  /** How long to wait for durability; the log's flushTimeoutMs when omitted. */
  readonly timeoutMs?: number;
}

/** What openLog hands the log besides its state. */
export interface LogContext {
  readonly storage: LogStorage;
  readonly origin: string;
  readonly keys: LogKeys;
  readonly clock: SigningClock;
  readonly partials: PartialTracker;
  readonly options: ResolvedLogOptions;
  readonly metrics: LogMetrics | undefined;
}

export class Log {
  private readonly batcher: Batcher;
  private pruning: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  /** Use openLog(); this takes state already read and checked from storage. */
  constructor(
    private state: LogState,
    private readonly ctx: LogContext,
  ) {
    const m = ctx.metrics;
    this.batcher = new Batcher((entries) => this.integrateBatch(entries), ctx.options, {
      pending: (n) => m?.pending.set(n),
      refused: (reason) => m?.refused.inc({ reason }),
    });
    this.batcher.onHealthChange((health) => {
      m?.failing.set(health.ok ? 0 : 1);
      if (!health.ok && health.consecutiveFailures === 1) {
        ctx.options.onWarning("ledger: integration failed; its records stay queued and are retried with backoff", { error: health.lastError, pending: health.pendingRecords });
      } else if (health.ok) {
        ctx.options.onWarning("ledger: integrations succeed again", { pending: health.pendingRecords });
      }
    });
  }

  /** Resolves with the entry's index once durable; refuses entries a bundle cannot hold. */
  append(entry: Uint8Array, options: AppendOptions = {}): Promise<number> {
    if (entry.length > MAX_ENTRY_BYTES) {
      return Promise.reject(ControllerError.invalid("entry", `${entry.length} bytes, at most ${MAX_ENTRY_BYTES}`));
    }
    // A copy, so a caller reusing its buffer cannot change what gets hashed.
    return this.batcher.add([Uint8Array.from(entry)], options.urgent);
  }

  /**
   * Appends entries as one group: consecutive indices, integrated together (one checkpoint covers
   * all or none), refused together. Resolves with the first index. For the parts of a chunked record.
   */
  appendAll(entries: readonly Uint8Array[], options: AppendOptions = {}): Promise<number> {
    for (const [i, entry] of entries.entries()) {
      if (entry.length > MAX_ENTRY_BYTES) {
        return Promise.reject(ControllerError.invalid(`entries[${i}]`, `${entry.length} bytes, at most ${MAX_ENTRY_BYTES}`));
      }
    }
    return this.batcher.add(entries.map((e) => Uint8Array.from(e)), options.urgent);
  }

  /** Entries covered by the latest stored checkpoint. */
  get size(): number {
    return this.state.range.size;
  }

  /** The latest stored signed checkpoint note. */
  get checkpoint(): string {
    return this.state.checkpoint;
  }

  get root(): Uint8Array {
    return this.state.range.root();
  }

  /** Whether integrations succeed; ok is false while a failed one waits to be retried. */
  get health(): LogHealth {
    return this.batcher.health;
  }

  /** Called whenever an integration fails and when one succeeds again; returns the unsubscribe. */
  onHealthChange(listener: (health: LogHealth) => void): () => void {
    return this.batcher.onHealthChange(listener);
  }

  /** Integrates what is waiting and waits until it is durable; rejects (Unavailable) after the timeout. */
  async flush(options: WaitOptions = {}): Promise<void> {
    await this.batcher.flush(options.timeoutMs ?? this.ctx.options.flushTimeoutMs);
    await this.pruning;
  }

  /**
   * Stops the log: refuses appends, lets waiting records become durable until the timeout (not
   * while failing), ends retries, rejects what still waits and releases the writer lock. Returns
   * within about the timeout whatever the disk does. An integration still writing at the deadline
   * keeps the lock, which the kernel releases when the process exits.
   */
  close(options: WaitOptions = {}): Promise<void> {
    this.closing ??= (async () => {
      const timeoutMs = options.timeoutMs ?? this.ctx.options.flushTimeoutMs;
      const settled = await this.batcher.close(timeoutMs);
      if (!settled) {
        this.ctx.options.onWarning("ledger: closed with an integration still writing; the writer lock is held until the process exits", {});
        return;
      }
      await this.pruning;
      await this.ctx.storage.unlockWriter();
    })();
    return this.closing;
  }

  private async integrateBatch(entries: readonly Uint8Array[]): Promise<number> {
    await this.pruning;
    const m = this.ctx.metrics;
    if (!this.batcher.health.ok) m?.retries.inc();
    const prepared = prepareIntegration(this.state, entries);
    const ctx = { storage: this.ctx.storage, origin: this.ctx.origin, keys: this.ctx.keys, timestamp: () => this.ctx.clock.next() };
    const endTimer = m?.integrationSeconds.startTimer();
    let done: Integrated;
    try {
      done = await storeIntegration(prepared, ctx);
    } catch (e) {
      m?.failures.inc();
      // Whatever it wrote is a prefix of what the retry writes; note it so it is cleaned up too.
      this.ctx.partials.attempted(resourcesOf(prepared), this.ctx.options.monotonicMs());
      throw e;
    } finally {
      endTimer?.();
    }
    this.state = done.state;
    m?.integrations.inc();
    m?.batchRecords.observe(entries.length);
    m?.size.set(prepared.newer);
    const obsolete = this.ctx.partials.integrated(prepared.older, prepared.newer, resourcesOf(prepared), this.ctx.options.monotonicMs());
    if (obsolete.length > 0) this.pruning = this.prune(obsolete);
    return done.firstIndex;
  }

  /** Never fails: what could not be deleted stays tracked and is tried again after the next integration. */
  private async prune(paths: readonly string[]): Promise<void> {
    try {
      await this.ctx.storage.remove(paths);
      this.ctx.partials.removed(paths);
    } catch (e) {
      this.ctx.options.onWarning("ledger: could not delete obsolete partial tiles and bundles; trying again after the next integration", {
        error: (e as Error).message, files: paths.length,
      });
    }
  }
}
