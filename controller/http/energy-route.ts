// POST /v1/energy: a batch of site readings as JSON. All or nothing: one bad field refuses the
// batch with 400 and the field's path, and nothing is applied. A valid batch answers which
// readings were applied and which were not (older than the site's latest, or duplicates).
import type { FastifyInstance } from "fastify";
import { applyReadings } from "../ingest/energy/apply-readings.js";
import { parseReadings } from "../ingest/energy/reading.js";
import type { SiteEnergy } from "../ingest/energy/site-energy.js";
import { Code, ControllerError } from "../errors/controller-error.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { sendError } from "./errors.js";

export function registerEnergyRoute(app: FastifyInstance, energy: SiteEnergy, metrics: ControllerMetrics): void {
  app.post("/v1/energy", async (request, reply) => {
    // Fastify also parses text/plain (and other routes' types); this endpoint takes JSON only.
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") {
      metrics.readingsRejected.inc({ source: "http" });
      return sendError(reply, new ControllerError(Code.UnsupportedMediaType, "content-type: expected application/json", "content-type"));
    }
    const parsed = parseReadings(request.body, energy.siteNames, Date.now());
    if (parsed.error) {
      metrics.readingsRejected.inc({ source: "http" });
      request.log.info({ field: parsed.error.field }, `energy readings refused: ${parsed.error.message}`);
      return sendError(reply, parsed.error);
    }
    const result = applyReadings(energy, metrics, "http", parsed.value);
    return reply.code(200).send({ accepted: result.applied, ignored: result.ignored });
  });
}
