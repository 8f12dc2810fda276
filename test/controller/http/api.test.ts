// The HTTP API through fastify's inject (no sockets): table long-poll, energy readings, health.
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/energy/site-energy.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { TABLE_CONTENT_TYPE } from "../../../controller/http/table-route.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { Observations } from "../../../controller/reports/observations.js";
import { encodeReport } from "../../../controller/reports/encode.js";
import { REPORT_CONTENT_TYPE, type FilterReport, type ReportEntry } from "../../../controller/reports/decode.js";
import { DEFAULT_REPORT_OPTIONS } from "../../../controller/reports/report-options.js";
import { createPlanStep } from "../../../controller/planning/plan-step.js";
import type { Plan } from "../../../controller/planner/plan.js";
import { decodeTable } from "../../../controller/table/decode.js";
import type { Service } from "../../../controller/table/weight-table.js";

const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];
const TOKEN = "0123456789abcdef0123";

async function api(options: { token?: string | null } = {}) {
  const config = await loadConfig(undefined);
  const feed = new TableFeed(60_000);
  const energy = new SiteEnergy(config.sites);
  const metrics = new ControllerMetrics();
  let ready = false;
  const observations = new Observations(config.services);
  const app = createHttpApi({
    feed, energy, observations, metrics, ledgerStorage: null, logger: createLogger("silent"), token: options.token ?? null, maxWaitMs: 2_000, ready: () => ready,
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
    const res = await app.inject({ url: "/v1/table" });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toEqual({ error: { code: "unavailable", message: "no weight table published yet" } });
  });

  it("returns the table with its version as ETag, then 304 for that version", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const published = feed.publish(services);
    const res = await app.inject({ url: "/v1/table" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(TABLE_CONTENT_TYPE);
    expect(res.headers["etag"]).toBe(`"${published.version}"`);
    expect(decodeTable(new Uint8Array(res.rawPayload)).value?.version).toBe(published.version);
    const again = await app.inject({ url: "/v1/table", headers: { "if-none-match": `"${published.version}"` } });
    expect(again.statusCode).toBe(304);
  });

  it("holds a long poll until a newer version is published", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = feed.publish(services);
    const started = performance.now();
    const poll = app.inject({ url: "/v1/table?wait_ms=5000", headers: { "if-none-match": `"${first.version}"` } });
    await new Promise((r) => setTimeout(r, 50));
    const second = feed.publish(services);
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(res.headers["etag"]).toBe(`"${second.version}"`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("caps the wait at the configured maximum and answers 304", async () => {
    const { app, feed } = await api();
    close = () => app.close();
    const first = feed.publish(services);
    const started = performance.now();
    const res = await app.inject({ url: "/v1/table?wait_ms=600000", headers: { "if-none-match": `"${first.version}"` } });
    expect(res.statusCode).toBe(304);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it("refuses a bad wait_ms, naming it", async () => {
    const { app } = await api();
    close = () => app.close();
    const res = await app.inject({ url: "/v1/table?wait_ms=-5" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "invalid_argument", field: "wait_ms" });
  });

  it("requires the bearer token when one is configured", async () => {
    const { app, feed } = await api({ token: TOKEN });
    close = () => app.close();
    feed.publish(services);
    expect((await app.inject({ url: "/v1/table" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/table", headers: { authorization: "Bearer wrong" } })).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/table", headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
  });
});

describe("POST /v1/energy", () => {
  it("applies a valid batch", async () => {
    const { app, energy } = await api();
    close = () => app.close();
    const res = await app.inject({ method: "POST", url: "/v1/energy", payload: {
      readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 1234, health: "draining" }],
    } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 1 });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 1234, health: "draining" });
  });

  it("refuses bad input with 400 naming the field, and changes nothing", async () => {
    const { app, energy, metrics } = await api();
    close = () => app.close();
    for (const payload of [
      { readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: -3 }] },
      { readings: [{ site: "berlin", timestamp: Date.now(), battery_soc_percent: 101 }] },
    ]) {
      const res = await app.inject({ method: "POST", url: "/v1/energy", payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toMatch(/^readings\.0\./);
    }
    const malformed = await app.inject({ method: "POST", url: "/v1/energy", headers: { "content-type": "application/json" }, payload: "{nope" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("invalid_argument");
    expect(energy.currentRevision).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString("solar_controller_readings_rejected_total")).toMatch(/source="http"} 2/);
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
  const post = (app: Awaited<ReturnType<typeof api>>["app"], bytes: Uint8Array) =>
    app.inject({ method: "POST", url: "/v1/reports", headers: { "content-type": REPORT_CONTENT_TYPE }, payload: Buffer.from(bytes) });
  const report = (tableVersion: bigint, fields: Partial<ReportEntry> = {}, window: Partial<FilterReport> = {}) => encodeReport({
    reporter: 7n, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(), ...window,
    entries: [{ tableVersion, service: "shop.example.com", upstream: "site-ber", requests: 600, responses: 60, responses5xx: 6,
      latencyBuckets: [0, 0, 0, 54, 0, 0, 0, 0, 0, 6], ...fields }],
  });
  /** Requests/s the observations give for `requests` seen now: they are spread over the buckets kept (55–60 s). */
  const rps = (requests: number, nowMs: number) => {
    const bucketMs = DEFAULT_REPORT_OPTIONS.windowMs / DEFAULT_REPORT_OPTIONS.bucketCount;
    return requests / ((nowMs - (Math.floor(nowMs / bucketMs) - DEFAULT_REPORT_OPTIONS.bucketCount + 1) * bucketMs) / 1000);
  };

  it("folds a report into the site's observations", async () => {
    const { app, feed, observations } = await api();
    close = () => app.close();
    const { version } = feed.publish(services);
    const res = await post(app, report(version));
    expect(res.statusCode).toBe(204);
    const now = Date.now();
    expect(observations.site("berlin", now)).toEqual({ loadRps: rps(600, now), latencyP95Ms: 5_000, errorRate: 0.1, responses: 60 });
  });

  it("refuses a corrupt report with 400 naming the field, and a wrong content type with 415", async () => {
    const { app, feed, observations } = await api();
    close = () => app.close();
    const bytes = report(feed.publish(services).version, { requests: 5 });
    bytes[bytes.length - 1]! ^= 1;
    const res = await post(app, bytes);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("report.crc32");
    const json = await app.inject({ method: "POST", url: "/v1/reports", payload: { requests: 5 } });
    expect(json.statusCode).toBe(415);
    expect(observations.site("berlin", Date.now()).loadRps).toBe(0);
  });

  it("refuses every inconsistent report with 400 naming the field, and changes nothing", async () => {
    const { app, feed, metrics, observations } = await api();
    close = () => app.close();
    const { version } = feed.publish(services);
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
    const drain = await app.inject({ method: "POST", url: "/v1/energy", payload: {
      readings: [{ site: "san-francisco", timestamp: Date.now(), health: "draining" }],
    } });
    expect(drain.statusCode).toBe(200);
    const plan = (nowMs: number) => {
      let made: Plan | null = null;
      const services = createPlanStep(config, energy, { observations, onPlan: (p) => (made = p) })(nowMs);
      return { services, berlin: (made as Plan | null)!.sites.find((s) => s.site === "berlin")! };
    };
    const before = plan(Date.now());
    expect(before.berlin.plannedRps).toBeGreaterThan(400);
    const { version } = feed.publish(before.services);
    const forged = (tableVersion: bigint) => encodeReport({
      reporter: 0xbadc0ffeen, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(),
      entries: [{ tableVersion, service: "shop.example.com", upstream: "site-ber", requests: 0, responses: 1, responses5xx: 0,
        latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }],
    });
    const res = await post(app, forged(999n));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("report.entries.0.table_version");
    expect(plan(Date.now())).toEqual(before);
    // Naming a published version, the unbacked response is no evidence.
    expect((await post(app, forged(version))).statusCode).toBe(204);
    expect(await metrics(app)).toMatch(/^solar_controller_report_entries_unbacked_total 1$/m);
    expect(observations.site("berlin", Date.now()).latencyP95Ms).toBe(0);
    expect(plan(Date.now())).toEqual(before);
    // Enough consistent slow responses are evidence: then Berlin is held at its observed load.
    const slow = report(version, { requests: 60, responses: 60, responses5xx: 0, latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 60] });
    expect((await post(app, slow)).statusCode).toBe(204);
    expect(observations.site("berlin", Date.now()).latencyP95Ms).toBe(5_000);
    const held = plan(Date.now()).berlin;
    expect(held.reasons).toContain("latency_over_limit");
    expect(held.plannedRps).toBeLessThan(2);
  });
});

async function metrics(app: Awaited<ReturnType<typeof api>>["app"]): Promise<string> {
  return (await app.inject({ url: "/metrics" })).body;
}
