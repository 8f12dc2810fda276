// The controller's HTTP API (fastify): tables for proxies, energy readings, health and metrics.
// Who may call what is decided per route scope (auth/http-access.ts): tables and reports need a
// reader credential, energy readings a writer one; health, metrics and the ledger are open.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { accessScopes } from "../auth/http-access.js";
import type { Credentials } from "../auth/credentials.js";
import type { TableFeed } from "../delivery/table-feed.js";
import type { SiteEnergy } from "../ingest/energy/site-energy.js";
import { Code, ControllerError } from "../errors/controller-error.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import type { Logger } from "../ops/logger.js";
import { registerEnergyRoute } from "./energy-route.js";
import { registerReportRoute } from "./report-route.js";
import { registerLedgerRoutes } from "./ledger-route.js";
import { registerLedgerProofRoutes } from "./ledger-proofs-route.js";
import type { LogStorage } from "../ledger/storage/storage.js";
import type { Observations } from "../ingest/reports/observations.js";
import { sendError } from "./errors.js";
import { registerTableRoute } from "./table-route.js";

export interface HttpApiDeps {
  feed: TableFeed;
  energy: SiteEnergy;
  observations: Observations;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Bearer credentials by role; with none, the API routes refuse every call. */
  credentials: Credentials;
  maxWaitMs: number;
  /** Served read-only under /ledger/ when the ledger is on. */
  ledgerStorage: LogStorage | null;
  /** Ready once a first table is out; false while shutting down. */
  ready: () => boolean;
  /** Answer a publish's held polls with prepared bytes (fan-out-answer.ts); default true. */
  preparedFanOut?: boolean;
}

const BODY_LIMIT = 1 << 20;

export function createHttpApi(deps: HttpApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Proxies long-poll all day: one log line per request would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ControllerError) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals keep their status: 413 body too large, 415 wrong content type,
      // 400 malformed JSON.
      return sendError(reply, fastifyRefusal(status, (error as Error).message));
    }
    deps.logger.error({ err: error }, "request failed");
    return sendError(reply, new ControllerError(Code.Internal, "internal error"));
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, new ControllerError(Code.NotFound, "no such route")));

  const routes = accessScopes(app, deps.credentials, deps.metrics);
  routes("reader", (scope) => {
    registerTableRoute(scope, deps.feed, deps.metrics, { maxWaitMs: deps.maxWaitMs, preparedFanOut: deps.preparedFanOut ?? true });
    registerReportRoute(scope, { observations: deps.observations, tables: deps.feed, metrics: deps.metrics });
  });
  routes("writer", (scope) => {
    registerEnergyRoute(scope, deps.energy, deps.metrics);
  });
  routes("open", (scope) => {
    if (deps.ledgerStorage !== null) {
      registerLedgerRoutes(scope, deps.ledgerStorage);
      registerLedgerProofRoutes(scope, deps.ledgerStorage);
    }
    scope.get("/healthz", async () => ({ status: "ok" }));
    scope.get("/readyz", async (_request, reply) =>
      deps.ready() ? { status: "ready" } : reply.code(503).send({ status: "not ready" }));
    scope.get("/metrics", async (_request, reply) =>
      reply.header("content-type", deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
  });
  return app;
}

function fastifyRefusal(status: number, message: string): ControllerError {
  if (status === 413) return new ControllerError(Code.PayloadTooLarge, `body: ${message}`, "(body)");
  if (status === 415) return new ControllerError(Code.UnsupportedMediaType, `content-type: ${message}`, "content-type");
  return new ControllerError(Code.InvalidArgument, message, "(body)");
}
