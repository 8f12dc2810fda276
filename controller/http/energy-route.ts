// POST /v1/energy: a batch of site readings as JSON. All or nothing: one bad field refuses the
// batch with 400 and the field's path, and nothing is applied.
import type { FastifyInstance } from "fastify";
import { parseReadings } from "../energy/reading.js";
import type { SiteEnergy } from "../energy/site-energy.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { sendError } from "./errors.js";

export function registerEnergyRoute(app: FastifyInstance, energy: SiteEnergy, metrics: ControllerMetrics): void {
  app.post("/v1/energy", async (request, reply) => {
    const parsed = parseReadings(request.body, energy.siteNames, Date.now());
    if (parsed.error) {
      metrics.readingsRejected.inc({ source: "http" });
      request.log.info({ field: parsed.error.field }, `energy readings refused: ${parsed.error.message}`);
      return sendError(reply, parsed.error);
    }
    energy.apply(parsed.value);
    metrics.readingsAccepted.inc({ source: "http" }, parsed.value.length);
    return reply.code(200).send({ accepted: parsed.value.length });
  });
}
