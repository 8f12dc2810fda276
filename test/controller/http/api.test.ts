// The HTTP API through fastify's inject (no sockets): table long-poll, reports, health (energy
// readings: energy-route.test.ts). Calls carry the credential their endpoint needs; who may call
// what is in access.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/energy/site-energy.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { Credentials } from "../../../controller/auth/credentials.js";
import { TABLE_CONTENT_TYPE } from "../../../controller/http/table-route.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { Observations } from "../../../controller/reports/observations.js";
import { encodeReport } from "../../../controller/reports/encode.js";
import { REPORT_CONTENT_TYPE } from "../../../controller/reports/decode.js";
import { decodeTable } from "../../../controller/table/decode.js";
import type { Service } from "../../../controller/table/weight-table.js";

/** Prepares and serves a table at once (no ledger in between). */
function serve(feed: TableFeed, services: Service[]) {
  const table = feed.prepare(services);
  feed.publish(table);
  return table;
}

const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];
const tokens = { reader: ["reader-0123456789abcdef"], writer: ["writer-0123456789abcdef"] };
const READER = { authorization: `Bearer ${tokens.reader[0]}` };

async function api() {
  const config = await loadConfig(undefined);
  const feed = new TableFeed(60_000);
  const energy = new SiteEnergy(config.sites);
  const metrics = new ControllerMetrics();
  let ready = false;
  const observations = new Observations(config.services);
  const app = createHttpApi({
    credentials: Credentials.fromTokens(tokens), feed, energy, observations, metrics, ledgerStorage: null, logger: createLogger("silent"), maxWaitMs: 2_000, ready: () => ready,
  });
  await app.ready();
  return { app, feed, energy, metrics, observations, setReady: (r: boolean) => (ready = r) };
}

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe("GET /v1/table", () => {
  it("is 503 with Retry-After before the first table", async () => {
    const { app } = await api();
    close = () => app.close();
    const res = await app.inject({ url: "/v1/table", headers: READER });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toEqual({ error: { code: "unavailable", message: "no weight table published yet" } });
  });

  it("returns the table with its version as ETag, then 304 for that version", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const published = serve(feed, services);
    const res = await app.inject({ url: "/v1/table", headers: READER });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(TABLE_CONTENT_TYPE);
    expect(res.headers["etag"]).toBe(`"${published.version}"`);
    expect(decodeTable(new Uint8Array(res.rawPayload)).value?.version).toBe(published.version);
    const again = await app.inject({ url: "/v1/table", headers: { ...READER, "if-none-match": `"${published.version}"` } });
    expect(again.statusCode).toBe(304);
  });

  it("holds a long poll until a newer version is published", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = serve(feed, services);
    const started = performance.now();
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: { ...READER, "if-none-match": `"${first.version}"` } });
    await new Promise((r) => setTimeout(r, 50));
    const second = serve(feed, services);
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(res.headers["etag"]).toBe(`"${second.version}"`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("caps the wait at the configured maximum and answers 304", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = serve(feed, services);
    const started = performance.now();
    const res = await app.inject({ url: "/v1/table?wait_ms=600000", headers: { ...READER, "if-none-match": `"${first.version}"` } });
    expect(res.statusCode).toBe(304);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it("refuses a bad wait_ms, naming it", async () => {
    const { app } = await api();
    close = () => app.close();
    const res = await app.inject({ url: "/v1/table?wait_ms=-5", headers: READER });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "invalid_argument", field: "wait_ms" });
  });
});

describe("operations endpoints", () => {
  it("serve liveness, readiness and Prometheus metrics", async () => {
    const { app, setReady } = await api();
    close = () => app.close();
    expect((await app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await app.inject({ url: "/readyz" })).statusCode).toBe(503);
    setReady(true);
    expect((await app.inject({ url: "/readyz" })).statusCode).toBe(200);
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.body).toContain("# TYPE solar_controller_table_requests_total counter");
    expect(metrics.body).toContain("solar_controller_process_cpu_seconds_total");
  });
});

describe("POST /v1/reports", () => {
  const report = (requests: number) => encodeReport({
    reporter: 7n, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(),
    entries: [{ tableVersion: 1n, service: "shop.example.com", upstream: "site-ber", requests, responses: 10, responses5xx: 1,
      latencyBuckets: [0, 0, 0, 9, 0, 0, 0, 0, 0, 1] }],
  });

  it("folds a report into the site's observations", async () => {
    const { app, observations } = await api();
    close = () => app.close();
    const res = await app.inject({ method: "POST", url: "/v1/reports", headers: { ...READER, "content-type": REPORT_CONTENT_TYPE }, payload: Buffer.from(report(600)) });
    expect(res.statusCode).toBe(204);
    expect(observations.site("berlin", Date.now())).toEqual({ loadRps: 10, latencyP95Ms: 5_000, errorRate: 0.1 });
  });

  it("refuses a corrupt report with 400 naming the field, and a wrong content type with 415", async () => {
    const { app, observations } = await api();
    close = () => app.close();
    const bytes = report(5);
    bytes[bytes.length - 1]! ^= 1;
    const res = await app.inject({ method: "POST", url: "/v1/reports", headers: { ...READER, "content-type": REPORT_CONTENT_TYPE }, payload: Buffer.from(bytes) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("report.crc32");
    const json = await app.inject({ method: "POST", url: "/v1/reports", headers: READER, payload: { requests: 5 } });
    expect(json.statusCode).toBe(415);
    expect(observations.site("berlin", Date.now()).loadRps).toBe(0);
  });
});
