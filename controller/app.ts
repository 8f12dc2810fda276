// The controller, assembled: configuration → energy state → planning loop → table feed, served
// over HTTP and gRPC. `start` resolves once both servers listen; `stop` shuts down gracefully.
import type { FastifyInstance } from "fastify";
import type { ControllerConfig } from "./config/load.js";
import { TableFeed } from "./delivery/table-feed.js";
import { SiteEnergy } from "./energy/site-energy.js";
import { createGrpcApi, type GrpcApi } from "./grpc/server.js";
import { createHttpApi } from "./http/server.js";
import { createLogger, type Logger } from "./ops/logger.js";
import { ControllerMetrics } from "./ops/metrics.js";
import { PlanLoop, type PlanStep } from "./planning/plan-loop.js";
import { createPlanStep } from "./planning/plan-step.js";
import { Observations } from "./reports/observations.js";
import { createPrometheusSources } from "./sources/prometheus-source.js";
import { openLedger, type OpenLedger } from "./ledger/open-ledger.js";

export interface RunningController {
  httpPort: number;
  grpcPort: number;
  feed: TableFeed;
  energy: SiteEnergy;
  metrics: ControllerMetrics;
  ledger: OpenLedger | null;
  stop(): Promise<void>;
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(address.slice(i + 1)) };
}

export async function startController(
  config: ControllerConfig,
  options: { logger?: Logger; planStep?: PlanStep } = {},
): Promise<RunningController> {
  const logger = options.logger ?? createLogger();
  const metrics = new ControllerMetrics();
  const energy = new SiteEnergy(config.sites);
  const sources = createPrometheusSources(config.sources.prometheus, { energy, metrics, logger });
  const feed = new TableFeed(config.table.ttlMs);
  const observations = new Observations(config.services);
  const step = options.planStep ?? createPlanStep(config, energy, { observations });
  const ledger: OpenLedger | null = config.ledger.enabled ? await openLedger(config.ledger, energy, observations, logger, metrics.registry) : null;
  // Republish well before the TTL so a quiet controller never lets proxies' tables go stale.
  const loop = new PlanLoop(step, feed, metrics, logger, config.planning.intervalMs, Math.floor(config.table.ttlMs / 3),
    (published) => void ledger?.recorder.recordTable(published, Date.now()));
  let stopping = false;

  const http: FastifyInstance = createHttpApi({
    feed, energy, observations, metrics, logger, token: config.token, ledgerStorage: ledger?.storage ?? null, maxWaitMs: config.table.maxWaitMs,
    ready: () => !stopping && feed.latest() !== null,
  });
  const grpc: GrpcApi = createGrpcApi(energy, metrics, ledger?.storage ?? null);
  const unsubscribe = energy.onChange(() => loop.trigger());
  loop.start();

  const httpAddress = splitHostPort(config.listen.http);
  await http.listen({ host: httpAddress.host, port: httpAddress.port });
  const httpPort = (http.server.address() as { port: number }).port;
  const grpcPort = await grpc.listen(config.listen.grpc);
  grpc.setServing(true);
  sources.start();
  logger.info({ http: `${httpAddress.host}:${httpPort}`, grpc: grpcPort, sites: config.sites.length }, "controller listening");

  return {
    httpPort,
    grpcPort,
    feed,
    energy,
    metrics,
    ledger,
    async stop() {
      if (stopping) return;
      stopping = true;
      grpc.setServing(false);
      await sources.stop();
      unsubscribe();
      loop.stop();
      // Held table requests answer "not modified" now; proxies re-poll elsewhere or keep their table.
      feed.close();
      await Promise.all([http.close(), grpc.close()]);
      // Records of the last tables become durable before the process goes.
      await ledger?.log.flush();
      logger.info("controller stopped");
    },
  };
}
