// Test doubles for scrape targets: a real HTTP server on 127.0.0.1 (ephemeral port), a logger
// whose lines can be read back, and a controller's energy state and metrics to observe.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pino } from "pino";
import { loadConfig, type PrometheusSourceConfig } from "../../../../../controller/config/load.js";
import { SiteEnergy } from "../../../../../controller/ingest/energy/site-energy.js";
import type { Logger } from "../../../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../../../controller/ops/metrics.js";

export interface Loopback {
  url: string;
  /** Requests received so far (path and query). */
  requests: string[];
  close(): Promise<void>;
}

export async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves `body()` as text exposition format on /metrics, 404 elsewhere. */
export function serveMetrics(body: () => string): Promise<Loopback> {
  return serve((req, res) => {
    if (req.url !== "/metrics") return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body());
  });
}

/** A loopback URL nothing listens on: a port that was just bound and released. */
export async function deadUrl(): Promise<string> {
  const server = await serve(() => undefined);
  await server.close();
  return server.url;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

/** A controller's energy state (the embedded default sites) with fresh metrics. */
export async function controllerState(now?: () => number) {
  const config = await loadConfig(undefined);
  const energy = new SiteEnergy(config.sites);
  const metrics = new ControllerMetrics();
  const { logger, lines } = capturingLogger();
  return { energy, metrics, logger, lines, deps: now === undefined ? { energy, metrics, logger } : { energy, metrics, logger, now } };
}

export function sourceConfig(overrides: Partial<PrometheusSourceConfig> & Pick<PrometheusSourceConfig, "url" | "readings">): PrometheusSourceConfig {
  return { name: "test", kind: "exporter", intervalMs: 15_000, timeoutMs: 2_000, site: "berlin", scale: {}, ...overrides };
}

/** Every scrape outcome counter of a source, by outcome (zeros included). */
export async function scrapeCounts(metrics: ControllerMetrics, source: string): Promise<Record<string, number>> {
  const { values } = await metrics.sourceScrapes.get();
  return Object.fromEntries(values.filter((v) => v.labels["source"] === source).map((v) => [String(v.labels["outcome"]), v.value]));
}

export async function counterValue(metrics: ControllerMetrics, name: "readingsAccepted" | "readingsRejected"): Promise<number> {
  const { values } = await metrics[name].get();
  return values.find((v) => v.labels["source"] === "prometheus")?.value ?? 0;
}

/** Readings from Prometheus sources that were valid but not applied, by reason (series that exist). */
export async function ignoredCounts(metrics: ControllerMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.readingsIgnored.get();
  return Object.fromEntries(values.filter((v) => v.labels["source"] === "prometheus").map((v) => [String(v.labels["reason"]), v.value]));
}

/** Polls `check` every 10 ms until it holds or `ms` pass; bounded so a broken test fails, not hangs. */
export async function waitFor(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
