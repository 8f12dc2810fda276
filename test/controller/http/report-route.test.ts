// POST /v1/reports under load: the intake budget answers 429 + Retry-After and changes nothing,
// and a flood of the largest reports leaves the report state (and the heap) bounded while
// /healthz keeps answering.
import { crc32 } from "node:zlib";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { registerReportRoute } from "../../../controller/http/report-route.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { Credentials } from "../../../controller/auth/credentials.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { MAX_REPORT_BYTES, MAX_REPORT_ENTRIES, REPORT_CONTENT_TYPE, type ReportEntry } from "../../../controller/ingest/reports/decode.js";
import { encodeReport } from "../../../controller/ingest/reports/encode.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import { DEFAULT_REPORT_OPTIONS } from "../../../controller/ingest/reports/report-options.js";

const TOKEN = "0123456789abcdef0123";
const upstreams = ["site-sf", "site-ber", "site-syd"];
const services = ["shop.example.com", "search.example.com"];

const pairs = services.flatMap((service) => upstreams.map((upstream) => ({ service, upstream })));

/**
 * One of the largest reports the format allows: 4,096 entries, the first `configured` for the
 * configured (service, upstream) pairs over successive table versions from `firstVersion`, the
 * rest for services the configuration does not name, with long names (0.6 to 1 MiB in all).
 */
function largestReport(configured: number, firstVersion: bigint): Uint8Array {
  const entries: ReportEntry[] = Array.from({ length: MAX_REPORT_ENTRIES }, (_, i) => {
    const pair = i < configured ? pairs[i % pairs.length]! : { service: `${"x".repeat(124)}.${i}`, upstream: "u".repeat(64) };
    const tableVersion = i < configured ? firstVersion + BigInt(Math.floor(i / pairs.length)) : firstVersion;
    // Half the requests answered so far: the other half stays as credit.
    return { tableVersion, ...pair, requests: 100, responses: 50, responses5xx: 1, latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 50] };
  });
  const bytes = encodeReport({ reporter: 1n, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(), entries });
  expect(bytes.length).toBeGreaterThan(0.6 * MAX_REPORT_BYTES);
  expect(bytes.length).toBeLessThanOrEqual(MAX_REPORT_BYTES);
  return bytes;
}

/** The same report from another worker: new reporter id, checksum redone. */
function fromReporter(bytes: Uint8Array, reporter: bigint): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeBigUInt64LE(reporter, 8);
  copy.writeUInt32LE(crc32(copy.subarray(0, copy.length - 4)), copy.length - 4);
  return copy;
}

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe("POST /v1/reports under load", () => {
  it("reads and charges nothing of a report without the credential", async () => {
    const config = await loadConfig(undefined);
    const feed = new TableFeed(60_000);
    const observations = new Observations(config.services);
    const app = createHttpApi({
      feed, energy: new SiteEnergy(config.sites), observations, metrics: new ControllerMetrics(), ledgerStorage: null,
      logger: createLogger("silent"), credentials: Credentials.fromTokens({ reader: [TOKEN], writer: [] }), maxWaitMs: 1_000, ready: () => true,
    });
    close = () => app.close();
    const table = feed.prepare([]);
    feed.publish(table);
    const big = largestReport(pairs.length, table.version);
    const post = (token: string) => app.inject({
      method: "POST", url: "/v1/reports", payload: fromReporter(big, 1n),
      headers: { "content-type": REPORT_CONTENT_TYPE, authorization: `Bearer ${token}` },
    });
    // 40 MiB refused at the door would have spent the 8 MiB burst five times over.
    for (let i = 0; i < 40; i++) expect((await post("wrong-token-wrong-tok")).statusCode).toBe(401);
    expect((await post(TOKEN)).statusCode).toBe(204);
  });

  it("answers 429 with Retry-After once over budget, and a throttled report changes nothing", async () => {
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    const metrics = new ControllerMetrics();
    const app = Fastify();
    close = () => app.close();
    const frozen = Date.now();
    const intake = registerReportRoute(app, { observations, tables: { isKnown: (v) => v === 5n }, metrics, clock: () => frozen });
    app.get("/healthz", async () => ({ status: "ok" }));
    const big = largestReport(pairs.length, 5n);
    const post = (payload: Buffer) => app.inject({ method: "POST", url: "/v1/reports", payload, headers: { "content-type": REPORT_CONTENT_TYPE } });
    // The 8 MiB burst takes eight reports of ~1 MiB and lets a ninth in on what is left (going into debt).
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post(fromReporter(big, BigInt(100 + i)))).statusCode);
    expect(statuses).toEqual([204, 204, 204, 204, 204, 204, 204, 204, 204, 429, 429, 429]);

    const seen = (["san-francisco", "berlin", "sydney"] as const).map((s) => observations.site(s, frozen));
    const credit = [intake.credit.size, intake.credit.reporterCount];
    const res = await post(fromReporter(big, 999n));
    expect(res.statusCode).toBe(429);
    // Debt of 9 reports beyond 8 MiB, plus the minimum charge, at 4 MiB/s.
    const debt = 9 * big.length - DEFAULT_REPORT_OPTIONS.budgetBurstBytes + DEFAULT_REPORT_OPTIONS.minChargeBytes;
    expect(res.headers["retry-after"]).toBe(String(Math.ceil(debt / DEFAULT_REPORT_OPTIONS.budgetBytesPerSecond)));
    expect(res.json().error).toMatchObject({ code: "resource_exhausted" });
    expect((["san-francisco", "berlin", "sydney"] as const).map((s) => observations.site(s, frozen))).toEqual(seen);
    expect([intake.credit.size, intake.credit.reporterCount]).toEqual(credit);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^solar_controller_reports_throttled_total 4$/m);
    expect(text).toMatch(/^solar_controller_reports_accepted_total 9$/m);
    expect(text).toMatch(/^solar_controller_reports_refused_total 0$/m);
    expect(text).toMatch(/^solar_controller_report_reporters 9$/m);
    expect(text).toMatch(/^solar_controller_report_credit_entries 54$/m);
    // Health answers throughout.
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
  });

  it("keeps report state and the heap bounded under a flood of the largest reports, and /healthz answering", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    const app = Fastify();
    close = () => app.close();
    // No budget, every version known: every report is taken, so only the state's own bounds hold.
    const intake = registerReportRoute(app, {
      observations, tables: { isKnown: () => true }, metrics: new ControllerMetrics(),
      options: { budgetBytesPerSecond: 2 ** 50, budgetBurstBytes: 2 ** 50 },
    });
    app.get("/healthz", async () => ({ status: "ok" }));
    await app.ready();
    // 2,048 entries over 342 table versions per report, for 200 reporters: keeping all of it
    // would be 409,600 credit entries, above maxCreditEntries.
    const big = largestReport(2_048, 1n);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const reports = 200;
    for (let r = 0; r < reports; r++) {
      const res = await app.inject({
        method: "POST", url: "/v1/reports", headers: { "content-type": REPORT_CONTENT_TYPE }, payload: fromReporter(big, BigInt(r + 1)),
      });
      expect(res.statusCode).toBe(204);
      if (r % 25 === 0) expect((await app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    }
    gc();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(`${reports} reports of ${big.length} bytes: credit ${intake.credit.size} entries, ${intake.credit.reporterCount} reporters, heap +${grownMb.toFixed(1)} MB`);
    // Three sites and two services, whatever arrived.
    expect(observations.slots).toBe(5 * DEFAULT_REPORT_OPTIONS.bucketCount);
    expect(intake.credit.size).toBeLessThanOrEqual(DEFAULT_REPORT_OPTIONS.maxCreditEntries);
    expect(intake.credit.reporterCount).toBeLessThanOrEqual(DEFAULT_REPORT_OPTIONS.maxReporters);
    // Keeping every entry (200 × 4,096) would take hundreds of MB.
    expect(grownMb).toBeLessThan(96);
    expect(observations.site("berlin", Date.now()).responses).toBeGreaterThan(0);
  }, 120_000);
});
