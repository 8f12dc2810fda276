// One configured Prometheus source, polling on its interval: scrape → values → readings parser →
// SiteEnergy. Scrapes never overlap (the next is scheduled when one ends), each is bounded by
// timeout_ms, and any failure is counted, logged when the state changes, and applies nothing.
import type { PrometheusSourceConfig } from "../../config/load.js";
import { applyReadings } from "../energy/apply-readings.js";
import type { SiteEnergy } from "../energy/site-energy.js";
import type { Logger } from "../../ops/logger.js";
import type { ControllerMetrics } from "../../ops/metrics.js";
import { ApiScraper } from "./api-scraper.js";
import { ExporterScraper } from "./exporter-scraper.js";
import { SCRAPE_OUTCOMES, type ScrapeOutcome, type Scraper, type SourceField } from "./scrape-result.js";
import { toReadings } from "./to-readings.js";

export interface SourceDeps {
  energy: SiteEnergy;
  metrics: ControllerMetrics;
  logger: Logger;
  now?: () => number;
}

/** What the last scrape did, for tests and diagnostics. */
export interface ScrapeReport {
  outcome: ScrapeOutcome;
  field?: SourceField;
  reason?: string;
  /** Readings applied to SiteEnergy (0 or 1: one site per source); a scrape can be ok and apply 0. */
  applied: number;
  powerDrawWatts?: number;
}

export interface PrometheusSources {
  readonly sources: readonly PrometheusSource[];
  start(): void;
  /** Resolves when every source has stopped and no scrape is in flight. */
  stop(): Promise<void>;
}

/** Builds every configured source (configuration was validated at load); none starts yet. */
export function createPrometheusSources(configs: readonly PrometheusSourceConfig[], deps: SourceDeps): PrometheusSources {
  const sources = configs.map((c) => new PrometheusSource(c, deps));
  return {
    sources,
    start: () => sources.forEach((s) => s.start()),
    stop: async () => {
      await Promise.all(sources.map((s) => s.stop()));
    },
  };
}

export class PrometheusSource {
  readonly name: string;
  private readonly scraper: Scraper;
  private readonly now: () => number;
  private stopper = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<ScrapeReport> | null = null;
  private running = false;
  /** Bumped by start(), so a loop left over from before a stop() never reschedules itself. */
  private generation = 0;
  /** outcome and field of the last logged state; logging only on change keeps a dead target quiet. */
  private loggedState: string | null = null;

  constructor(
    private readonly config: PrometheusSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
    this.now = deps.now ?? Date.now;
    const url = new URL(config.url);
    this.scraper = config.kind === "exporter"
      ? new ExporterScraper(url, config.readings)
      : new ApiScraper(url, config.readings, config.timeoutMs);
    // Every outcome exists from the start, so rate() and alerts see a 0 before the first failure.
    for (const outcome of SCRAPE_OUTCOMES) deps.metrics.sourceScrapes.inc({ source: this.name, outcome }, 0);
  }

  /** Scrapes now, then every interval_ms until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    if (this.stopper.signal.aborted) this.stopper = new AbortController();
    this.schedule(0, this.generation);
  }

  /** Stops polling; a scrape in flight is aborted, and this resolves once it has ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.stopper.abort(new Error("source stopped"));
    await this.inFlight;
  }

  /** One scrape; joins the one in flight rather than starting a second. */
  scrapeOnce(): Promise<ScrapeReport> {
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private schedule(delayMs: number, generation: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = performance.now();
      void this.scrapeOnce().then(() => {
        if (!this.running || generation !== this.generation) return;
        this.schedule(Math.max(0, this.config.intervalMs - (performance.now() - started)), generation);
      });
    }, delayMs);
    // The servers keep the process alive; a source alone should not.
    this.timer.unref();
  }

  private async run(): Promise<ScrapeReport> {
    const { metrics } = this.deps;
    const signal = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.config.timeoutMs)]);
    const endTimer = metrics.sourceScrapeSeconds.startTimer({ source: this.name });
    const report = await this.scrapeAndApply(signal).catch((e: unknown): ScrapeReport => ({
      outcome: "bad_response", reason: `unexpected error: ${(e as Error).message}`, applied: 0,
    }));
    endTimer();
    metrics.sourceScrapes.inc({ source: this.name, outcome: report.outcome });
    if (report.outcome !== "cancelled") {
      metrics.sourceUp.set({ source: this.name }, report.outcome === "ok" ? 1 : 0);
      this.logOnChange(report);
    }
    return report;
  }

  private async scrapeAndApply(signal: AbortSignal): Promise<ScrapeReport> {
    const { energy, metrics } = this.deps;
    const nowMs = this.now();
    const scraped = await this.scraper.scrape(signal, nowMs);
    if (scraped.failure) return { ...scraped.failure, applied: 0 };
    const checked = toReadings(this.config.site, scraped.values, this.config.scale, energy.siteNames, nowMs);
    if (checked.failure) {
      metrics.readingsRejected.inc({ source: "prometheus" });
      return { ...checked.failure, applied: 0 };
    }
    const { readings, powerDrawWatts } = checked.value;
    // Stopped while the answer was in: a stopped source changes nothing.
    if (this.stopper.signal.aborted) return { outcome: "cancelled", reason: "source stopped", applied: 0 };
    let applied = 0;
    if (readings.length > 0) {
      // The reading is stamped with this controller's clock, so it is left out only when another
      // source already gave the site a later reading, or a scrape at the same millisecond did.
      applied = applyReadings(energy, metrics, "prometheus", readings).applied;
    }
    if (powerDrawWatts !== undefined) metrics.sourcePowerDraw.set({ source: this.name, site: this.config.site }, powerDrawWatts);
    const report: ScrapeReport = { outcome: "ok", applied };
    if (powerDrawWatts !== undefined) report.powerDrawWatts = powerDrawWatts;
    return report;
  }

  private logOnChange(report: ScrapeReport): void {
    const state = report.outcome === "ok" ? "ok" : `${report.outcome}:${report.field ?? ""}`;
    if (state === this.loggedState) return;
    const first = this.loggedState === null;
    this.loggedState = state;
    const context = { source: this.name, site: this.config.site, url: this.config.url };
    if (report.outcome === "ok") {
      this.deps.logger.info(context, first ? "prometheus source scraped" : "prometheus source recovered");
      return;
    }
    this.deps.logger.warn(
      { ...context, outcome: report.outcome, field: report.field },
      `prometheus source failed${report.field ? ` on ${report.field}` : ""}: ${report.reason ?? report.outcome}; nothing applied`,
    );
  }
}
