// Groups appends into integrations: a batch closes when it holds maxBatchRecords or its oldest
// record has waited maxBatchAgeMs, and then an integration starts. At most one integration runs
// at a time, so checkpoints follow one another in size order; an integration takes every record
// waiting when it starts (the batches that closed while the previous one ran), so under load one
// signature covers many batches instead of signing being the limit.
import { Code, ControllerError } from "../../errors/controller-error.js";

/** Integrates a batch; resolves with the index of its first entry once it is durable. */
export type IntegrateBatch = (entries: readonly Uint8Array[]) => Promise<number>;

export interface BatcherOptions {
  readonly maxBatchRecords: number;
  readonly maxBatchAgeMs: number;
  readonly maxPendingRecords: number;
}

interface Pending {
  readonly entry: Uint8Array;
  readonly resolve: (index: number) => void;
  readonly reject: (error: unknown) => void;
}

export class Batcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = false;
  private running = false;
  /** Set when an integration failed: what is on disk is unknown until the log is reopened. */
  private failure: ControllerError | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: IntegrateBatch,
    private readonly options: BatcherOptions,
  ) {}

  add(entry: Uint8Array): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending.length >= this.options.maxPendingRecords) {
      return Promise.reject(new ControllerError(Code.Unavailable, "ledger is overloaded: too many records waiting", undefined, 1));
    }
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (this.pending.length >= this.options.maxBatchRecords) this.kick();
      else this.arm();
    });
  }

  /** Integrates whatever is waiting now and resolves when nothing is in flight. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) this.kick();
    await this.idle;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.maxBatchAgeMs);
  }

  private kick(): void {
    this.due = true;
    if (this.running) return;
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
    while (this.due && this.pending.length > 0) {
      const batch = this.pending.splice(0);
      clearTimeout(this.timer);
      this.timer = undefined;
      this.due = false;
      try {
        const first = await this.run(batch.map((p) => p.entry));
        batch.forEach((p, i) => p.resolve(first + i));
      } catch (e) {
        this.failure = new ControllerError(Code.Unavailable, `ledger integration failed, reopen the log: ${(e as Error).message}`);
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(this.failure);
        clearTimeout(this.timer);
        this.timer = undefined;
        return;
      }
    }
  }
}
