// The controller's Prometheus metrics: one fixed list, registered once, on a registry of its
// own (so tests can run several controllers in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { FALLBACK_REASONS } from "../plan/plan.js";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly readingsAccepted = new Counter({
    name: "solar_controller_readings_accepted_total", help: "Energy readings applied, by source.",
    labelNames: ["source"] as const, registers: [this.registry],
  });
  readonly readingsRejected = new Counter({
    name: "solar_controller_readings_rejected_total", help: "Energy reading batches refused, by source.",
    labelNames: ["source"] as const, registers: [this.registry],
  });
  readonly tablesPublished = new Counter({
    name: "solar_controller_tables_published_total", help: "Weight table versions published.", registers: [this.registry],
  });
  readonly tableVersion = new Gauge({
    name: "solar_controller_table_version", help: "Version of the newest published table.", registers: [this.registry],
  });
  readonly tableRequests = new Counter({
    name: "solar_controller_table_requests_total", help: "Table requests, by outcome (fetched, not_modified, unavailable).",
    labelNames: ["outcome"] as const, registers: [this.registry],
  });
  readonly tableWaiters = new Gauge({
    name: "solar_controller_table_waiters", help: "Table requests held open waiting for a newer version.", registers: [this.registry],
  });
  readonly reportsAccepted = new Counter({
    name: "solar_controller_reports_accepted_total", help: "Filter reports accepted.", registers: [this.registry],
  });
  readonly reportsRefused = new Counter({
    name: "solar_controller_reports_refused_total", help: "Filter reports refused (400, 415); by rule in solar_controller_report_refusals_total.", registers: [this.registry],
  });
  readonly reportedRequests = new Counter({
    name: "solar_controller_reported_requests_total", help: "Requests the filters report having routed.", registers: [this.registry],
  });
  readonly reportEntriesUnknown = new Counter({
    name: "solar_controller_report_entries_unknown_total",
    help: "Report entries for a service or upstream the configuration does not name.", registers: [this.registry],
  });
  readonly plans = new Counter({
    name: "solar_controller_plans_total", help: "Planning cycles, by trigger (tick, or urgent: a health or drain change).",
    labelNames: ["trigger"] as const, registers: [this.registry],
  });
  readonly planFallbacks = new Counter({
    name: "solar_controller_plan_fallbacks_total",
    help: `Plans the greedy planner made because the predictive one could not, by reason (${FALLBACK_REASONS.join(", ")}).`,
    labelNames: ["reason"] as const, registers: [this.registry],
  });
  readonly planChangesCoalesced = new Counter({
    name: "solar_controller_plan_changes_coalesced_total",
    help: "Energy changes that waited for the next planning tick instead of planning at once.", registers: [this.registry],
  });
  readonly tablesUnrecorded = new Counter({
    name: "solar_controller_tables_unrecorded_total",
    help: "Planned tables not served because the ledger could not record them.", registers: [this.registry],
  });
  readonly recordSeconds = new Histogram({
    name: "solar_controller_table_record_duration_seconds", help: "Time from a planned table to its durable ledger record.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry],
  });
  readonly planSeconds = new Histogram({
    name: "solar_controller_plan_duration_seconds", help: "Time to plan and encode one table.",
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5], registers: [this.registry],
  });
  readonly sourceScrapes = new Counter({
    name: "solar_controller_source_scrapes_total",
    help: "Prometheus source scrapes, by source and outcome (ok, unreachable, timeout, cancelled, http_error, bad_response, missing, ambiguous, invalid).",
    labelNames: ["source", "outcome"] as const, registers: [this.registry],
  });
  readonly sourceScrapeSeconds = new Histogram({
    name: "solar_controller_source_scrape_duration_seconds", help: "Time for one Prometheus source scrape, by source.",
    labelNames: ["source"] as const, buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [this.registry],
  });
  readonly sourceUp = new Gauge({
    name: "solar_controller_source_up", help: "1 if the source's last scrape was taken, 0 if it failed.",
    labelNames: ["source"] as const, registers: [this.registry],
  });
  readonly sourcePowerDraw = new Gauge({
    name: "solar_controller_source_power_draw_watts", help: "Power drawn at a site, as its source last reported it (W).",
    labelNames: ["source", "site"] as const, registers: [this.registry],
  });
  readonly readingsIgnored = new Counter({
    name: "solar_controller_readings_ignored_total",
    help: "Valid energy readings not applied, by source and reason (older_than_latest, duplicate); each is reported back to its sender.",
    labelNames: ["source", "reason"] as const, registers: [this.registry],
  });
  readonly reportRefusals = new Counter({
    name: "solar_controller_report_refusals_total",
    help: "Filter reports refused with 400, by rule (malformed, window, unknown_table_version, counts, unbacked_responses).",
    labelNames: ["reason"] as const, registers: [this.registry],
  });
  readonly reportsThrottled = new Counter({
    name: "solar_controller_reports_throttled_total", help: "Filter reports answered 429 (over the intake budget); the filters resend their counts.",
    registers: [this.registry],
  });
  readonly reportEntriesUnbacked = new Counter({
    name: "solar_controller_report_entries_unbacked_total",
    help: "Accepted report entries with more responses than their reporter's requests could back: only their requests were taken.",
    registers: [this.registry],
  });
  readonly reportReporters = new Gauge({
    name: "solar_controller_report_reporters", help: "Reporters whose requests without a response the controller keeps.", registers: [this.registry],
  });
  readonly reportCreditEntries = new Gauge({
    name: "solar_controller_report_credit_entries", help: "(reporter, table version, service, upstream) counts of requests without a response kept.",
    registers: [this.registry],
  });
  readonly authRefused = new Counter({
    name: "solar_controller_auth_refused_total",
    help: "HTTP requests and gRPC calls refused for their credential, by api (http, grpc) and code (unauthenticated: none or not known; permission_denied: without the role).",
    labelNames: ["api", "code"] as const, registers: [this.registry],
  });
  readonly reportStreamsOpen = new Gauge({
    name: "solar_controller_grpc_report_streams_open", help: "EnergyService ReportStream calls open now.", registers: [this.registry],
  });
  readonly reportStreamsRefused = new Counter({
    name: "solar_controller_grpc_report_streams_refused_total",
    help: "ReportStream calls refused with RESOURCE_EXHAUSTED because the most allowed at once were open.", registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "solar_controller_" });
    // Every reason shows from the start, at 0: an alert can tell "none yet" from "not exported".
    for (const reason of FALLBACK_REASONS) this.planFallbacks.inc({ reason }, 0);
  }
}
