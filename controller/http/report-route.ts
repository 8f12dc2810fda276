// POST /v1/reports: a filter's report (docs/reports.md), binary. Accepted whole (204) or refused
// (400 naming the field); a filter never retries a refused report.
import type { FastifyInstance } from "fastify";
import { REPORT_CONTENT_TYPE, decodeReport } from "../reports/decode.js";
import type { Observations } from "../reports/observations.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { Code, ControllerError } from "../errors/controller-error.js";
import { sendError } from "./errors.js";

export function registerReportRoute(app: FastifyInstance, observations: Observations, metrics: ControllerMetrics): void {
  app.addContentTypeParser(REPORT_CONTENT_TYPE, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.post("/v1/reports", async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      metrics.reportsRefused.inc();
      return sendError(reply, new ControllerError(Code.UnsupportedMediaType, `content-type: expected ${REPORT_CONTENT_TYPE}`, "content-type"));
    }
    const parsed = decodeReport(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    if (parsed.error) {
      metrics.reportsRefused.inc();
      request.log.info({ field: parsed.error.field }, `filter report refused: ${parsed.error.message}`);
      return sendError(reply, parsed.error);
    }
    const { unknown } = observations.add(parsed.value, Date.now());
    metrics.reportsAccepted.inc();
    metrics.reportedRequests.inc(parsed.value.entries.reduce((n, e) => n + e.requests, 0));
    if (unknown > 0) metrics.reportEntriesUnknown.inc(unknown);
    return reply.code(204).send();
  });
}
