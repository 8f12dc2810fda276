// The log's front door. append() hands an entry to the batcher and resolves with its index only
// after the integration that includes it has stored its bundle, its tiles and the checkpoint that
// covers it: a resolved index survives any crash.
import { ControllerError } from "../../errors/controller-error.js";
import { Batcher } from "./batcher.js";
import { MAX_ENTRY_BYTES } from "./bundle.js";
import { integrate, type IntegrateContext, type LogState } from "./integrate.js";
import type { ResolvedLogOptions } from "./options.js";

export class Log {
  private readonly batcher: Batcher;

  /** Use openLog(); this takes state already read and checked from storage. */
  constructor(
    private state: LogState,
    private readonly ctx: IntegrateContext,
    options: ResolvedLogOptions,
  ) {
    this.batcher = new Batcher((entries) => this.integrateBatch(entries), options);
  }

  /** Resolves with the entry's index once durable; refuses entries a bundle cannot hold. */
  append(entry: Uint8Array): Promise<number> {
    if (entry.length > MAX_ENTRY_BYTES) {
      return Promise.reject(ControllerError.invalid("entry", `${entry.length} bytes, at most ${MAX_ENTRY_BYTES}`));
    }
    // A copy, so a caller reusing its buffer cannot change what gets hashed.
    return this.batcher.add(Uint8Array.from(entry));
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

  /** Integrates what is waiting and waits for it; call before dropping the log. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async integrateBatch(entries: readonly Uint8Array[]): Promise<number> {
    const done = await integrate(this.state, entries, this.ctx);
    this.state = done.state;
    return done.firstIndex;
  }
}
