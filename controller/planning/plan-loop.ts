// Re-plans on every energy change (at once, coalesced) and on a fixed interval (forecasts move
// with time even when no reading arrives), and publishes a table when the plan changes.
import type { PublishedTable, TableFeed } from "../delivery/table-feed.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import type { Logger } from "../ops/logger.js";
import type { Service } from "../table/weight-table.js";

/** One planning step: the services of the next table, from whatever the step reads. */
export type PlanStep = (nowMs: number) => Service[];

export class PlanLoop {
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private lastKey = "";

  constructor(
    private readonly step: PlanStep,
    private readonly feed: TableFeed,
    private readonly metrics: ControllerMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    /** Republish an unchanged plan this often, so tables never reach their TTL. */
    private readonly refreshMs: number,
    /** Sees every published table, e.g. to record it in the ledger. */
    private readonly onPublish: (published: PublishedTable) => void = () => {},
  ) {}

  start(): void {
    this.runNow();
    this.timer = setInterval(() => this.runNow(), this.intervalMs);
    this.timer.unref();
  }

  /** Plans on the next turn of the event loop; many changes in one turn make one plan. */
  trigger(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runNow();
    });
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  runNow(): void {
    const end = this.metrics.planSeconds.startTimer();
    try {
      const now = Date.now();
      const services = this.step(now);
      const key = JSON.stringify(services);
      const latest = this.feed.latest();
      const stale = latest === null || now - Number(latest.issuedAtMs) >= this.refreshMs;
      if (key === this.lastKey && !stale) return;
      const published = this.feed.prepare(services);
      this.feed.publish(published);
      this.lastKey = key;
      this.metrics.tablesPublished.inc();
      this.metrics.tableVersion.set(Number(published.version));
      this.onPublish(published);
      this.logger.info({ version: published.version.toString(), services: services.length }, "published weight table");
    } catch (error) {
      // A failed plan keeps the last table in force; proxies fall back to default routing at its TTL.
      this.logger.error({ err: error }, "planning failed; keeping the last table");
    } finally {
      end();
    }
  }
}
