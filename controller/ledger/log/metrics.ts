// The log's metrics: a fixed list, registered once per registry (a process that opens a log twice,
// as tests do, shares the series rather than registering them again).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export class LogMetrics {
  private static readonly byRegistry = new WeakMap<Registry, LogMetrics>();

  readonly integrations: Counter;
  readonly failures: Counter;
  readonly retries: Counter;
  readonly batchRecords: Histogram;
  readonly integrationSeconds: Histogram;
  readonly failing: Gauge;
  readonly pending: Gauge;
  readonly size: Gauge;
  readonly refused: Counter<"reason">;

  /** The log's metrics on `registry`, registered the first time they are asked for. */
  static on(registry: Registry): LogMetrics {
    let metrics = LogMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new LogMetrics(registry);
      LogMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.integrations = new Counter({
      name: "solar_controller_ledger_integrations_total", help: "Ledger integrations that published a checkpoint.", registers,
    });
    this.failures = new Counter({
      name: "solar_controller_ledger_integration_failures_total", help: "Ledger integrations that failed (their records stay queued and are retried).", registers,
    });
    this.retries = new Counter({
      name: "solar_controller_ledger_integration_retries_total", help: "Ledger integrations started again after a failure.", registers,
    });
    this.batchRecords = new Histogram({
      name: "solar_controller_ledger_batch_records", help: "Records per successful ledger integration.",
      buckets: [1, 2, 4, 16, 64, 256, 1024, 4096, 16384], registers,
    });
    this.integrationSeconds = new Histogram({
      name: "solar_controller_ledger_integration_duration_seconds", help: "Time for one ledger integration attempt (writes, signature, checkpoint).",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers,
    });
    this.failing = new Gauge({
      name: "solar_controller_ledger_failing", help: "1 while ledger integrations fail and records wait for a retry, else 0.", registers,
    });
    this.pending = new Gauge({
      name: "solar_controller_ledger_pending_records", help: "Records appended but not yet durable.", registers,
    });
    this.size = new Gauge({
      name: "solar_controller_ledger_size", help: "Entries covered by the latest stored checkpoint.", registers,
    });
    this.refused = new Counter({
      name: "solar_controller_ledger_appends_refused_total", help: "Appends refused, by reason (overloaded, closed).",
      labelNames: ["reason"] as const, registers,
    });
  }
}
