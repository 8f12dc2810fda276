// The HTTP API through fastify's inject (and one raw socket): table long-poll, reports, health
// (energy readings: energy-route.test.ts). Calls carry the credential their endpoint needs; who
// may call what is in access.test.ts.
import net from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed, type PublishedTable } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { Credentials } from "../../../controller/auth/credentials.js";
import { TABLE_CONTENT_TYPE } from "../../../controller/http/table-route.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import { encodeReport } from "../../../controller/ingest/reports/encode.js";
import { REPORT_CONTENT_TYPE, type FilterReport, type ReportEntry } from "../../../controller/ingest/reports/decode.js";
import { createPlanStep } from "../../../controller/plan/plan-step.js";
import { createConfiguredPlanner } from "../../../controller/plan/configured-planner.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { decodeTable } from "../../../controller/table/decode.js";
import type { Service } from "../../../controller/table/weight-table.js";

const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];
const tokens = { reader: ["reader-0123456789abcdef"], writer: ["writer-0123456789abcdef"] };
const READER = { authorization: `Bearer ${tokens.reader[0]}` };
const WRITER = { authorization: `Bearer ${tokens.writer[0]}` };

function serve(feed: TableFeed): PublishedTable {
  const table = feed.prepare(services);
  feed.publish(table);
  return table;
}

/** Polls a condition on the event loop (no fixed sleeps); fails loudly after 5 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not reached within 5 s");
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function api(options: { clock?: () => number; beforeReady?: (app: FastifyInstance) => void } = {}) {
  const config = await loadConfig(undefined);
  const feed = new TableFeed(60_000, options.clock);
  const energy = new SiteEnergy(config.sites);
  const metrics = new ControllerMetrics();
  let ready = false;
  const observations = new Observations(config.services);
  const app = createHttpApi({
    credentials: Credentials.fromTokens(tokens), feed, energy, observations, metrics, ledgerStorage: null, logger: createLogger("silent"), maxWaitMs: 2_000, ready: () => ready,
  });
  options.beforeReady?.(app);
  await app.ready();
  return { app, feed, energy, metrics, observations, setReady: (r: boolean) => (ready = r) };
}

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe("GET /v1/table", () => {
  it("is 503 with Retry-After before the first table, also after a held wait", async () => {
    const { app, metrics } = await api();
    close = () => app.close();
    for (const url of ["/v1/table", "/v1/table?wait_ms=30"]) {
      const res = await app.inject({ url, headers: READER });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json()).toEqual({ error: { code: "unavailable", message: "no weight table published yet" } });
    }
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_requests_total")).toMatch(/outcome="unavailable"} 2/);
  });

  it("hands a poll held before the first table the first table", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: READER });
    await until(() => feed.waiting === 1);
    const first = serve(feed);
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(res.headers["etag"]).toBe(`"${first.version}"`);
  });

  it("returns the table with its version as ETag, then 304 for that version", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const published = serve(feed);
    const res = await app.inject({ url: "/v1/table", headers: READER });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      "content-type": TABLE_CONTENT_TYPE,
      "etag": `"${published.version}"`,
      "cache-control": "no-cache",
      "content-length": String(published.bytes.byteLength),
    });
    expect(new Uint8Array(res.rawPayload)).toEqual(published.bytes);
    expect(decodeTable(new Uint8Array(res.rawPayload)).value?.version).toBe(published.version);
    for (const etag of [`"${published.version}"`, `W/"${published.version}"`]) {
      const again = await app.inject({ url: "/v1/table", headers: { ...READER, "if-none-match": etag } });
      expect(again.statusCode).toBe(304);
      expect(again.headers["etag"]).toBe(`"${published.version}"`);
      expect(again.rawPayload.length).toBe(0);
    }
    const head = await app.inject({ method: "HEAD", url: "/v1/table", headers: READER });
    expect(head.statusCode).toBe(200);
    expect(head.headers["etag"]).toBe(`"${published.version}"`);
    expect(head.rawPayload.length).toBe(0);
  });

  it("holds long polls until a newer version is published, giving every one the same bytes", async () => {
    const { app, feed, metrics } = await api();
    close = () => app.close();
    const first = serve(feed);
    const polls = [1, 2, 3].map(() => app.inject({ url: "/v1/table?wait_ms=5000", headers: { ...READER, "if-none-match": `"${first.version}"` } }));
    await until(() => feed.waiting === 3);
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_waiters")).toMatch(/table_waiters 3/);
    const second = serve(feed);
    for (const res of await Promise.all(polls)) {
      expect(res.statusCode).toBe(200);
      expect(res.headers["etag"]).toBe(`"${second.version}"`);
      expect(new Uint8Array(res.rawPayload)).toEqual(second.bytes);
    }
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_requests_total")).toMatch(/outcome="fetched"} 3/);
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_waiters")).toMatch(/table_waiters 0/);
  });

  it("holds a poll naming a version newer than ours (a restart with the clock behind) like any other", async () => {
    const { app, feed } = await api({ clock: () => 1_000 });
    close = () => app.close();
    serve(feed); // version 1000; the proxy holds 5000 from before the restart
    let answered = false;
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: { ...READER, "if-none-match": '"5000"' } }).then((res) => {
      answered = true;
      return res;
    });
    await until(() => feed.waiting === 1);
    serve(feed); // 1001: still not newer than what the proxy holds
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    expect(feed.waiting).toBe(1);
    feed.raiseFloor(5_000n);
    const above = serve(feed);
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(res.headers["etag"]).toBe(`"${above.version}"`);
  });

  it("answers a poll ahead of us 304 only when its wait ends, so a re-polling proxy is not a tight loop", async () => {
    const { app, feed, metrics } = await api({ clock: () => 1_000 });
    close = () => app.close();
    serve(feed);
    for (let i = 0; i < 3; i++) {
      const poll = app.inject({ url: "/v1/table?wait_ms=50", headers: { ...READER, "if-none-match": '"5000"' } });
      await until(() => feed.waiting === 1); // held, not answered at once
      const res = await poll;
      expect(res.statusCode).toBe(304);
      expect(res.headers["etag"]).toBe('"1000"');
    }
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_requests_total")).toMatch(/outcome="not_modified"} 3/);
  });

  it("caps the wait at the configured maximum and answers 304", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = serve(feed);
    const started = performance.now();
    const res = await app.inject({ url: "/v1/table?wait_ms=600000", headers: { ...READER, "if-none-match": `"${first.version}"` } });
    expect(res.statusCode).toBe(304);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it("answers held polls 304 when the feed closes (shutdown)", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = serve(feed);
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: { ...READER, "if-none-match": `"${first.version}"` } });
    await until(() => feed.waiting === 1);
    feed.close();
    const res = await poll;
    expect(res.statusCode).toBe(304);
    expect(res.headers["etag"]).toBe(`"${first.version}"`);
  });

  it("stops holding a poll whose client went away", async () => {
    const { app, feed, metrics } = await api();
    close = () => app.close();
    const first = serve(feed);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const socket = net.connect((app.server.address() as net.AddressInfo).port, "127.0.0.1");
    socket.write(`GET /v1/table?wait_ms=5000 HTTP/1.1\r\nHost: x\r\nAuthorization: ${READER.authorization}\r\nIf-None-Match: "${first.version}"\r\n\r\n`);
    await until(() => feed.waiting === 1);
    socket.destroy();
    await until(() => feed.waiting === 0);
    serve(feed); // nobody left to answer
    await until(async () => /table_waiters 0/.test(await metrics.registry.getSingleMetricAsString("solar_controller_table_waiters")));
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_table_requests_total")).not.toMatch(/outcome="fetched"/);
  });

  it("keeps headers that hooks set before the route, with the route's own winning", async () => {
    const { app, feed } = await api({
      beforeReady: (a) => a.addHook("onRequest", async (_request, reply) => {
        reply.header("x-ratelimit-remaining", "41").header("etag", "hook");
      }),
    });
    close = () => app.close();
    const first = serve(feed);
    const now = await app.inject({ url: "/v1/table", headers: READER });
    expect(now.headers).toMatchObject({ "x-ratelimit-remaining": "41", "etag": `"${first.version}"` });
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: { ...READER, "if-none-match": `"${first.version}"` } });
    await until(() => feed.waiting === 1);
    const second = serve(feed);
    expect((await poll).headers).toMatchObject({ "x-ratelimit-remaining": "41", "etag": `"${second.version}"` });
  });

  it("refuses a bad wait_ms, naming it", async () => {
    const { app } = await api();
    close = () => app.close();
    for (const wait of ["-5", "1.5", "x", "1234567890"]) {
      const res = await app.inject({ url: `/v1/table?wait_ms=${wait}`, headers: READER });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "invalid_argument", field: "wait_ms" });
    }
  });

});


describe("operations endpoints", () => {
  it("serve liveness, readiness and Prometheus metrics", async () => {
    const { app, setReady } = await api();
    close = () => app.close();
    expect((await app.inject({ url: "/healthz", headers: READER })).json()).toEqual({ status: "ok" });
    expect((await app.inject({ url: "/readyz", headers: READER })).statusCode).toBe(503);
    setReady(true);
    expect((await app.inject({ url: "/readyz", headers: READER })).statusCode).toBe(200);
    const metrics = await app.inject({ url: "/metrics", headers: READER });
    expect(metrics.body).toContain("# TYPE solar_controller_table_requests_total counter");
    expect(metrics.body).toContain("solar_controller_process_cpu_seconds_total");
  });
});

describe("POST /v1/reports", () => {
  const post = (app: Awaited<ReturnType<typeof api>>["app"], bytes: Uint8Array) =>
    app.inject({ method: "POST", url: "/v1/reports", headers: { ...READER, "content-type": REPORT_CONTENT_TYPE }, payload: Buffer.from(bytes) });
  const report = (tableVersion: bigint, fields: Partial<ReportEntry> = {}, window: Partial<FilterReport> = {}) => encodeReport({
    reporter: 7n, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(), ...window,
    entries: [{ tableVersion, service: "shop.example.com", upstream: "site-ber", requests: 600, responses: 60, responses5xx: 6,
      latencyBuckets: [0, 0, 0, 54, 0, 0, 0, 0, 0, 6], ...fields }],
  });
  it("folds a report into the site's observations", async () => {
    const { app, feed, observations } = await api();
    close = () => app.close();
    const { version } = serve(feed);
    const res = await post(app, report(version));
    expect(res.statusCode).toBe(204);
    const now = Date.now();
    // 600 requests counted over the report's 10 s window (and the moments since it was sent).
    const seen = observations.site("berlin", now);
    expect(seen).toEqual({ loadRps: seen.loadRps, latencyP95Ms: 5_000, errorRate: 0.1, responses: 60 });
    expect(seen.loadRps).toBeGreaterThan(600 / 10.5);
    expect(seen.loadRps).toBeLessThanOrEqual(60);
  });

  it("refuses a corrupt report with 400 naming the field, and a wrong content type with 415", async () => {
    const { app, feed, observations } = await api();
    close = () => app.close();
    const bytes = report(serve(feed).version, { requests: 5 });
    bytes[bytes.length - 1]! ^= 1;
    const res = await post(app, bytes);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("report.crc32");
    const json = await app.inject({ method: "POST", url: "/v1/reports", headers: READER, payload: { requests: 5 } });
    expect(json.statusCode).toBe(415);
    expect(observations.site("berlin", Date.now()).loadRps).toBe(0);
  });

  it("refuses every inconsistent report with 400 naming the field, and changes nothing", async () => {
    const { app, feed, metrics, observations } = await api();
    close = () => app.close();
    const { version } = serve(feed);
    const now = Date.now();
    const cases: Array<[Uint8Array, string, string]> = [
      [report(version, {}, { windowEndMs: now + 120_000 }), "report.window_end_ms", "window"],
      [report(version, {}, { windowStartMs: now - 3_600_000, windowEndMs: now - 3_000_000 }), "report.window_end_ms", "window"],
      [report(version, {}, { windowStartMs: now - 2 * 86_400_000 }), "report.window_start_ms", "window"],
      [report(version + 1n), "report.entries.0.table_version", "unknown_table_version"],
      [report(version, { requests: 0, responses: 0, responses5xx: 0, latencyBuckets: new Array(10).fill(0) }), "report.entries.0", "counts"],
      [report(version, { requests: 2_000_000 }), "report.entries.0.requests", "counts"],
    ];
    for (const [bytes, field, reason] of cases) {
      const res = await post(app, bytes);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "invalid_argument", field });
      expect(await metrics.registry.getSingleMetricAsString("solar_controller_report_refusals_total")).toContain(`reason="${reason}"`);
    }
    expect(observations.site("berlin", Date.now())).toEqual({ loadRps: 0, latencyP95Ms: 0, errorRate: 0, responses: 0 });
    const refusals = await metrics.registry.getSingleMetricAsString("solar_controller_report_refusals_total");
    expect(refusals).toMatch(/reason="window"} 3/);
    expect(refusals).toMatch(/reason="unknown_table_version"} 1/);
    expect(refusals).toMatch(/reason="counts"} 2/);
    expect(refusals).toMatch(/reason="malformed"} 0/);
    expect(refusals).toMatch(/reason="unbacked_responses"} 0/);
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_reports_refused_total")).toMatch(/ 6$/);
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_reports_accepted_total")).toMatch(/ 0$/);
  });

  // The attack from the issue: one small report (no requests, one response slower than 2.5 s, a
  // table version never published, any reporter id) used to take a healthy site out of routing.
  it("leaves a healthy site in routing when a forged report claims it is slow", async () => {
    const { app, feed, observations, energy } = await api();
    close = () => app.close();
    const config = await loadConfig(undefined);
    // With San Francisco drained, Berlin must take part of the demand whatever the sun does.
    const drain = await app.inject({ method: "POST", url: "/v1/energy", headers: WRITER, payload: {
      readings: [{ site: "san-francisco", timestamp: Date.now(), health: "draining" }],
    } });
    expect(drain.statusCode).toBe(200);
    // The configured planner (predictive by default); a fresh step each time, so every plan is a first one.
    const { planner } = await createConfiguredPlanner(config);
    const plan = (nowMs: number) => {
      let made: Plan | null = null;
      const { services } = createPlanStep(config, energy, { observations, planner, onPlan: (p) => (made = p) })(nowMs);
      return { services, berlin: (made as Plan | null)!.sites.find((s) => s.site === "berlin")! };
    };
    // PV forecasts move with the clock: the plans compared are made at one time.
    const t0 = Date.now();
    const before = plan(t0);
    expect(before.berlin.plannedRps).toBeGreaterThan(400);
    const published = feed.prepare(before.services);
    feed.publish(published);
    const { version } = published;
    const forged = (tableVersion: bigint) => encodeReport({
      reporter: 0xbadc0ffeen, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(),
      entries: [{ tableVersion, service: "shop.example.com", upstream: "site-ber", requests: 0, responses: 1, responses5xx: 0,
        latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }],
    });
    const res = await post(app, forged(999n));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("report.entries.0.table_version");
    expect(plan(t0)).toEqual(before);
    // Naming a published version, the unbacked response is no evidence.
    expect((await post(app, forged(version))).statusCode).toBe(204);
    expect(await metrics(app)).toMatch(/^solar_controller_report_entries_unbacked_total 1$/m);
    expect(observations.site("berlin", Date.now()).latencyP95Ms).toBe(0);
    // Its requests (none) are taken as shop's observed demand, so weights may change; Berlin's limit does not.
    const after = plan(Date.now()).berlin;
    expect(after.limitRps).toBe(before.berlin.limitRps);
    expect(after.reasons).not.toContain("latency_over_limit");
    // Enough consistent slow responses are evidence: then Berlin is held at its observed load.
    const slow = report(version, { requests: 60, responses: 60, responses5xx: 0, latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 60] });
    expect((await post(app, slow)).statusCode).toBe(204);
    expect(observations.site("berlin", Date.now()).latencyP95Ms).toBe(5_000);
    const held = plan(Date.now()).berlin;
    expect(held.reasons).toContain("latency_over_limit");
    // Its observed load: 60 requests over the ~10 s the counts cover since the first report's window.
    expect(held.limitRps).toBeGreaterThan(60 / 10.5);
    expect(held.limitRps).toBeLessThanOrEqual(6);
    // The rest does not fit anywhere else: a shortfall, spread by limits, so Berlin's share stays small.
    expect(held.plannedRps).toBeLessThan(2 * held.limitRps);
  });
});

async function metrics(app: Awaited<ReturnType<typeof api>>["app"]): Promise<string> {
  return (await app.inject({ url: "/metrics" })).body;
}
