// POST /v1/reports: a filter's report (docs/reports.md), binary. Accepted whole (204), refused
// (400 naming the field; a filter never retries a refused report), or, over the intake budget,
// 429 + Retry-After before the body is read (the filter sends the counts again with its next
// report). The rules themselves are in controller/ingest/reports/.
import type { FastifyInstance } from "fastify";
import { REFUSAL_REASONS, type KnownTables } from "../ingest/reports/check-report.js";
import { REPORT_CONTENT_TYPE } from "../ingest/reports/decode.js";
import type { Observations } from "../ingest/reports/observations.js";
import { ReportIntake } from "../ingest/reports/report-intake.js";
import type { ReportOptions } from "../ingest/reports/report-options.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { Code, ControllerError } from "../errors/controller-error.js";
import { sendError } from "./errors.js";

export interface ReportRouteDeps {
  observations: Observations;
  /** The tables proxies may be routing by (the table feed). */
  tables: KnownTables;
  metrics: ControllerMetrics;
  options?: Partial<ReportOptions>;
  clock?: () => number;
}

/** Registers the route; returns its intake (its state can be inspected). Throws ControllerError naming a bad option. */
export function registerReportRoute(app: FastifyInstance, deps: ReportRouteDeps): ReportIntake {
  const { metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const intake = new ReportIntake(deps.observations, deps.tables, deps.options, clock());
  for (const reason of REFUSAL_REASONS) metrics.reportRefusals.inc({ reason }, 0);

  app.addContentTypeParser(REPORT_CONTENT_TYPE, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.post("/v1/reports", {
    // Over budget, answer before the body is read: a flood costs headers, not megabytes.
    onRequest: async (_request, reply) => {
      const admission = intake.admit(clock());
      if (admission.ok) return;
      metrics.reportsThrottled.inc();
      return sendError(reply, new ControllerError(Code.ResourceExhausted,
        `report intake over its budget of ${intake.options.budgetBytesPerSecond} bytes/s; send the counts again later`, undefined,
        admission.retryAfterSeconds));
    },
  }, async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      intake.charge(Number(request.headers["content-length"]) || 0, clock());
      metrics.reportsRefused.inc();
      return sendError(reply, new ControllerError(Code.UnsupportedMediaType, `content-type: expected ${REPORT_CONTENT_TYPE}`, "content-type"));
    }
    const taken = intake.take(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), clock());
    metrics.reportReporters.set(intake.credit.reporterCount);
    metrics.reportCreditEntries.set(intake.credit.size);
    if (taken.error) {
      metrics.reportsRefused.inc();
      metrics.reportRefusals.inc({ reason: taken.reason });
      request.log.info({ field: taken.error.field, reason: taken.reason }, `filter report refused: ${taken.error.message}`);
      return sendError(reply, taken.error);
    }
    metrics.reportsAccepted.inc();
    metrics.reportedRequests.inc(taken.value.requests);
    if (taken.value.unknown > 0) metrics.reportEntriesUnknown.inc(taken.value.unknown);
    if (taken.value.unbacked > 0) metrics.reportEntriesUnbacked.inc(taken.value.unbacked);
    return reply.code(204).send();
  });
  return intake;
}
