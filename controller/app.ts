// The controller, assembled: configuration → energy state → planning loop → table feed, served
// over HTTP and gRPC. `start` resolves once both servers listen; `stop` shuts down gracefully.
import type { FastifyInstance } from "fastify";
import { Credentials, ROLES } from "./auth/credentials.js";
import { TOKEN_ENV, TOKEN_FILE_OPTION, loadCredentials } from "./auth/credential-sources.js";
import type { ControllerConfig } from "./config/load.js";
import type { Planner } from "./plan/planner.js";
import { TableFeed } from "./delivery/table-feed.js";
import { SiteEnergy } from "./ingest/energy/site-energy.js";
import { createGrpcApi, type GrpcApi } from "./grpc/server.js";
import { createHttpApi } from "./http/server.js";
import { createLogger, type Logger } from "./ops/logger.js";
import { ControllerMetrics } from "./ops/metrics.js";
import { PlanLoop } from "./plan/plan-loop.js";
import { createPlanStep, type PlanStep } from "./plan/plan-step.js";
import { createConfiguredPlanner } from "./plan/configured-planner.js";
import { Observations } from "./ingest/reports/observations.js";
import { createPrometheusSources } from "./ingest/prometheus/prometheus-source.js";
import { openLedger, type OpenLedger } from "./ledger/open-ledger.js";
import { readRecentRecords } from "./ledger/read-log.js";

/** How long the start waits for the first table before listening anyway. */
const FIRST_TABLE_WAIT_MS = 5_000;

export interface RunningController {
  httpPort: number;
  grpcPort: number;
  feed: TableFeed;
  energy: SiteEnergy;
  metrics: ControllerMetrics;
  ledger: OpenLedger | null;
  stop(): Promise<void>;
}

/** Tables published before this start: the next version is above them, and reports naming them are taken. */
const RESTORED_RECORDS = 256;

async function restoreVersions(ledger: OpenLedger, feed: TableFeed, logger: Logger): Promise<void> {
  const records = await readRecentRecords(ledger.storage, RESTORED_RECORDS);
  const versions = records.flatMap((r) => (r.kind === "table_published" ? [BigInt(r.table_version)] : []));
  if (versions.length === 0) return;
  feed.remember(versions); // also raises the floor above them
  const last = versions.reduce((a, b) => (b > a ? b : a));
  if (last > BigInt(Date.now())) {
    logger.warn({ lastVersion: last.toString() }, "the ledger's last table version is ahead of the clock; versions continue above it");
  }
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(address.slice(i + 1)) };
}

async function readCredentials(config: ControllerConfig): Promise<Credentials> {
  const loaded = await loadCredentials(config.auth, process.env);
  if (loaded.error) throw loaded.error;
  return loaded.value;
}

/** Closed by default: a role with no credential is refused everywhere, and the log says how to fix it. */
function warnMissingCredentials(credentials: Credentials, logger: Logger): void {
  const needs = { reader: "GET /v1/table and POST /v1/reports", writer: "POST /v1/energy and gRPC EnergyService" };
  for (const role of ROLES) {
    if (credentials.count(role) > 0) continue;
    logger.warn({ role }, `no ${role} credentials configured: ${needs[role]} refuse every call; ` +
      `set ${TOKEN_ENV[role]} (comma-separated tokens) or ${TOKEN_FILE_OPTION[role]} (one token per line)`);
  }
}

/** The configured planner, its solver loaded and warmed up before the first cycle. */
async function readyPlanner(config: ControllerConfig, logger: Logger): Promise<Planner> {
  const { planner, warmUp } = await createConfiguredPlanner(config);
  if (warmUp !== null) {
    logger.info({ planner: planner.name, warmUpMs: Math.round(warmUp.ms), warmUpFallback: warmUp.fallback?.reason ?? null,
      horizonSteps: config.planning.horizonSteps, timeBudgetMs: config.planning.timeBudgetMs }, "plan solver loaded");
  }
  return planner;
}

export async function startController(
  config: ControllerConfig,
  /** Without `credentials`, they are read from `config.auth`'s files and SOLAR_*_TOKENS. */
  options: { logger?: Logger; planStep?: PlanStep; credentials?: Credentials } = {},
): Promise<RunningController> {
  const logger = options.logger ?? createLogger();
  const credentials = options.credentials ?? await readCredentials(config);
  warnMissingCredentials(credentials, logger);
  const metrics = new ControllerMetrics();
  const energy = new SiteEnergy(config.sites);
  const sources = createPrometheusSources(config.sources.prometheus, { energy, metrics, logger });
  const feed = new TableFeed(config.table.ttlMs);
  const observations = new Observations(config.services);
  const step = options.planStep ?? createPlanStep(config, energy, { observations, planner: await readyPlanner(config, logger) });
  const ledger: OpenLedger | null = config.ledger.enabled ? await openLedger(config.ledger, logger, metrics.registry) : null;
  if (ledger !== null) await restoreVersions(ledger, feed, logger);
  const loop = new PlanLoop(
    { step, feed, metrics, logger, record: ledger === null ? null : (table, planned) => ledger.recorder.record(table, planned) },
    // Republish well before the TTL so a quiet controller never lets proxies' tables go stale.
    { intervalMs: config.planning.intervalMs, refreshMs: Math.floor(config.table.ttlMs / 3) },
  );
  let stopping = false;

  const http: FastifyInstance = createHttpApi({
    feed, energy, observations, metrics, logger, credentials, ledgerStorage: ledger?.storage ?? null, maxWaitMs: config.table.maxWaitMs,
    // Not ready while the ledger cannot record: no new table could be served.
    ready: () => !stopping && feed.latest() !== null && (ledger?.log.health.ok ?? true),
  });
  const grpc: GrpcApi = createGrpcApi(energy, metrics, ledger?.storage ?? null, credentials, logger);
  // Health and drain changes reach proxies at once; other readings wait for the next tick.
  const unsubscribe = energy.onChange((change) => (change.healthChanged ? loop.urgent() : loop.changed()));
  // Proxies that connect as soon as the controller listens find a table (recorded) waiting; a
  // ledger that cannot record it yet does not hold up the start: readiness tells.
  await Promise.race([loop.start(), new Promise((resolve) => setTimeout(resolve, FIRST_TABLE_WAIT_MS).unref())]);

  const httpAddress = splitHostPort(config.listen.http);
  await http.listen({ host: httpAddress.host, port: httpAddress.port });
  const httpPort = (http.server.address() as { port: number }).port;
  const grpcPort = await grpc.listen(config.listen.grpc);
  grpc.setServing(true);
  sources.start();
  logger.info({ http: `${httpAddress.host}:${httpPort}`, grpc: grpcPort, sites: config.sites.length, credentials: credentials.toJSON() }, "controller listening");

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
      const looping = loop.stop();
      // Held table requests answer "not modified" now; proxies re-poll elsewhere or keep their table.
      feed.close();
      await Promise.all([http.close(), grpc.close()]);
      // Waiting records become durable (bounded, and not at all while the disk fails), then the
      // writer lock goes; a cycle still waiting for its record ends with the log.
      await ledger?.log.close();
      await looping;
      logger.info("controller stopped");
    },
  };
}
