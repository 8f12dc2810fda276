// Turns plans into published tables, at a bounded rate. The loop plans on every tick (forecasts
// move with time even when no reading arrives) and at once only for changes that must reach
// proxies now (a site's health or drain); any other change waits for the next tick, so however
// fast readings arrive there is at most one table per tick plus the urgent ones. One cycle runs at
// a time; what arrives during a cycle is folded into one follow-up. A table reaches proxies only
// after its ledger record is durable (record before serve): a table the ledger could not take is
// never served, and the next cycle tries again. A plan the greedy planner made in the predictive
// one's place is counted by reason on every cycle, and logged once per change of reason.
import type { PublishedTable, TableFeed } from "../delivery/table-feed.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import type { Logger } from "../ops/logger.js";
import type { FallbackReason } from "./plan.js";
import type { PlannedTable, PlanStep } from "./plan-step.js";

/** Makes a prepared table's record durable; rejects when it could not. */
export type RecordTable = (table: PublishedTable, planned: PlannedTable) => Promise<unknown>;

export interface PlanLoopOptions {
  /** Planning tick. */
  readonly intervalMs: number;
  /** Republish an unchanged plan this often, so proxies' tables never reach their TTL. */
  readonly refreshMs: number;
}

export interface PlanLoopDeps {
  readonly step: PlanStep;
  readonly feed: TableFeed;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  /** Null when the ledger is off: tables are served as soon as they are planned. */
  readonly record: RecordTable | null;
  readonly clock?: () => number;
}

type Trigger = "tick" | "urgent";

export class PlanLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** An urgent change came while a cycle ran: plan once more right after it. */
  private again = false;
  private lastKey = "";
  /** The last cycle's fallback reason (null: the planner asked for made its plan). */
  private fallback: FallbackReason | null = null;
  private stopped = false;
  private readonly clock: () => number;

  constructor(private readonly deps: PlanLoopDeps, private readonly options: PlanLoopOptions) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Starts ticking; resolves when the first cycle is done (its table served, if it could be). */
  start(): Promise<void> {
    this.stopped = false;
    this.run("tick");
    this.timer = setInterval(() => this.run("tick"), this.options.intervalMs);
    this.timer.unref();
    return this.idle();
  }

  /** A change that must reach proxies now (health, drain): plans at once. */
  urgent(): void {
    this.run("urgent");
  }

  /** A change that waits for the next tick (energy readings): only counted, the tick plans from the state. */
  changed(): void {
    this.deps.metrics.planChangesCoalesced.inc();
  }

  /** Stops ticking and waits for a cycle in flight (its table, if recorded, is still served). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Resolves when no cycle is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private run(trigger: Trigger): void {
    if (this.stopped) return;
    if (this.running !== null) {
      // A tick that finds a cycle running is that cycle; an urgent change may have come after its plan.
      if (trigger === "urgent") this.again = true;
      return;
    }
    this.running = this.cycles(trigger).finally(() => {
      this.running = null;
    });
  }

  private async cycles(first: Trigger): Promise<void> {
    let trigger = first;
    do {
      this.again = false;
      await this.cycle(trigger);
      trigger = "urgent";
    } while (this.again && !this.stopped);
  }

  private noteFallback(planned: PlannedTable): void {
    const fallback = planned.planner?.fallback ?? null;
    if (fallback !== null) this.deps.metrics.planFallbacks.inc({ reason: fallback.reason });
    const reason = fallback?.reason ?? null;
    if (reason === this.fallback) return;
    if (fallback !== null) {
      this.deps.logger.warn({ reason, detail: fallback.detail, planner: planned.planner!.name },
        "the predictive planner could not plan; the greedy planner answers until it can");
    } else {
      this.deps.logger.info({ planner: planned.planner?.name, after: this.fallback }, "the predictive planner plans again");
    }
    this.fallback = reason;
  }

  private async cycle(trigger: Trigger): Promise<void> {
    const { feed, metrics, logger } = this.deps;
    metrics.plans.inc({ trigger });
    const end = metrics.planSeconds.startTimer();
    let planned: PlannedTable;
    try {
      planned = this.deps.step(this.clock());
    } catch (error) {
      // A failed plan keeps the last table in force; proxies fall back to default routing at its TTL.
      logger.error({ err: error }, "planning failed; keeping the last table");
      return;
    } finally {
      end();
    }
    this.noteFallback(planned);
    const key = JSON.stringify(planned.services);
    const latest = feed.latest();
    const stale = latest === null || planned.nowMs - Number(latest.issuedAtMs) >= this.options.refreshMs;
    if (key === this.lastKey && !stale) return;
    const table = feed.prepare(planned.services);
    if (this.deps.record !== null) {
      const recorded = metrics.recordSeconds.startTimer();
      try {
        await this.deps.record(table, planned);
      } catch (error) {
        metrics.tablesUnrecorded.inc();
        logger.error({ err: error, version: table.version.toString() },
          "could not record the table in the ledger; not serving it, proxies keep the last table");
        return;
      } finally {
        recorded();
      }
    }
    feed.publish(table);
    this.lastKey = key;
    metrics.tablesPublished.inc();
    metrics.tableVersion.set(Number(table.version));
    logger.info({ version: table.version.toString(), services: planned.services.length }, "published weight table");
  }
}
