// The controller's HTTP API on embedded defaults, driven through fastify's inject (no sockets),
// with the test credentials; WRITER is the header a writer sends (accepted on every API route).
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../../../controller/config/load.js";
import { TableFeed } from "../../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../../../../controller/http/server.js";
import { createLogger } from "../../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../../controller/ops/metrics.js";
import { Observations } from "../../../../controller/ingest/reports/observations.js";
import { TOKENS, bearer, credentials } from "../../auth/support.js";

export const WRITER = { authorization: bearer(TOKENS.writer[0]!) } as const;

export interface TestApi {
  app: FastifyInstance;
  energy: SiteEnergy;
  metrics: ControllerMetrics;
  observations: Observations;
  /** The metric's sample lines, without HELP and TYPE. */
  samples(name: string): Promise<string[]>;
}

export async function startTestApi(): Promise<TestApi> {
  const config = await loadConfig(undefined);
  const energy = new SiteEnergy(config.sites);
  const metrics = new ControllerMetrics();
  const observations = new Observations(config.services);
  const app = createHttpApi({
    feed: new TableFeed(60_000), energy, observations, metrics, ledgerStorage: null, logger: createLogger("silent"),
    credentials: credentials(), maxWaitMs: 2_000, ready: () => true,
  });
  await app.ready();
  const samples = async (name: string) =>
    (await metrics.registry.getSingleMetricAsString(name)).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  return { app, energy, metrics, observations, samples };
}
