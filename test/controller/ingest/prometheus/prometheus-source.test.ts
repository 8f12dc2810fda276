// What every source does whatever its kind: refuse bad values whole, count and log failures once
// per change of state, poll without overlapping, and stop cleanly.
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusSource, createPrometheusSources } from "../../../../controller/ingest/prometheus/prometheus-source.js";
import {
  controllerState, counterValue, deadUrl, ignoredCounts, scrapeCounts, serve, serveMetrics, sourceConfig, waitFor, type Loopback,
} from "./support/loopback.js";

const WARN = 40;
const INFO = 30;
const readings = { pv_watts: "pv_watts", battery_soc_percent: "soc_percent" };

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function exporter(body: () => string): Promise<string> {
  const server = await serveMetrics(body);
  servers.push(server);
  return `${server.url}/metrics`;
}

describe("prometheus source", () => {
  const badValues: Array<[string, string, string, RegExp]> = [
    ["NaN watts", "pv_watts NaN\nsoc_percent 50", "pv_watts", /got NaN/],
    ["negative watts", "pv_watts -12\nsoc_percent 50", "pv_watts", /expected watts ≥ 0 \(got -12\)/],
    ["SoC of 150 %", "pv_watts 1000\nsoc_percent 150", "battery_soc_percent", /expected 0\.\.100 % \(got 150\)/],
  ];
  for (const [name, body, field, reason] of badValues) {
    it(`applies nothing for ${name} and counts it`, async () => {
      const { energy, metrics, deps } = await controllerState();
      const source = new PrometheusSource(sourceConfig({ url: await exporter(() => body), readings }), deps);
      const report = await source.scrapeOnce();
      expect(report).toMatchObject({ outcome: "invalid", field, applied: 0 });
      expect(report.reason).toMatch(reason);
      expect(energy.currentRevision).toBe(0);
      expect(energy.get("berlin")).toMatchObject({ updatedAtMs: null, pvWatts: 0, batterySocPercent: 0 });
      expect(await scrapeCounts(metrics, "test")).toEqual({
        ok: 0, unreachable: 0, timeout: 0, cancelled: 0, http_error: 0, bad_response: 0, missing: 0, ambiguous: 0, invalid: 1,
      });
      expect(await counterValue(metrics, "readingsRejected")).toBe(1);
      expect(await counterValue(metrics, "readingsAccepted")).toBe(0);
      expect((await metrics.sourceUp.get()).values).toEqual([{ labels: { source: "test" }, value: 0 }]);
    });
  }

  it("applies a taken scrape's reading and counts it as accepted", async () => {
    const { energy, metrics, deps } = await controllerState();
    const source = new PrometheusSource(sourceConfig({ url: await exporter(() => "pv_watts 1000\nsoc_percent 50"), readings }), deps);
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 1 });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 1000, batterySocPercent: 50 });
    expect(await counterValue(metrics, "readingsAccepted")).toBe(1);
    expect(await counterValue(metrics, "readingsRejected")).toBe(0);
    expect(await ignoredCounts(metrics)).toEqual({});
  });

  it("reports 0 applied and counts the reading as ignored when a scrape at the same millisecond was applied", async () => {
    const nowMs = Date.now();
    const { energy, metrics, deps } = await controllerState(() => nowMs);
    let pv = 1000;
    const source = new PrometheusSource(sourceConfig({ url: await exporter(() => `pv_watts ${pv}\nsoc_percent 50`), readings }), deps);
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 1 });
    pv = 2000;
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0 });
    expect(energy.get("berlin")?.pvWatts).toBe(1000);
    expect(energy.currentRevision).toBe(1);
    expect(await counterValue(metrics, "readingsAccepted")).toBe(1);
    expect(await counterValue(metrics, "readingsRejected")).toBe(0);
    expect(await ignoredCounts(metrics)).toEqual({ duplicate: 1 });
    // The target answered: the scrape is taken and the source is up, whatever the site already had.
    expect((await scrapeCounts(metrics, "test"))["ok"]).toBe(2);
    expect((await metrics.sourceUp.get()).values).toEqual([{ labels: { source: "test" }, value: 1 }]);
  });

  it("reports 0 applied and counts the reading as ignored when another source gave the site a later reading", async () => {
    const nowMs = Date.now();
    const { energy, metrics, deps } = await controllerState(() => nowMs);
    energy.apply([{ site: "berlin", atMs: nowMs + 1_000, pvWatts: 7 }]);
    const source = new PrometheusSource(sourceConfig({ url: await exporter(() => "pv_watts 1000\nsoc_percent 50"), readings }), deps);
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0 });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 7, batterySocPercent: 0 });
    expect(await counterValue(metrics, "readingsAccepted")).toBe(0);
    expect(await ignoredCounts(metrics)).toEqual({ older_than_latest: 1 });
  });

  it("counts an unreachable target and applies nothing", async () => {
    const { energy, metrics, deps } = await controllerState();
    const source = new PrometheusSource(sourceConfig({ url: `${await deadUrl()}/metrics`, readings }), deps);
    const report = await source.scrapeOnce();
    expect(report).toMatchObject({ outcome: "unreachable", applied: 0 });
    expect(report.reason).toMatch(/ECONNREFUSED/);
    expect(energy.currentRevision).toBe(0);
    expect((await scrapeCounts(metrics, "test"))["unreachable"]).toBe(1);
  });

  it("names the line of a malformed exposition and the status of an HTTP error", async () => {
    const { deps } = await controllerState();
    const garbled = new PrometheusSource(sourceConfig({ url: await exporter(() => "pv_watts 1\nsoc_percent{ 5"), readings }), deps);
    expect(await garbled.scrapeOnce()).toMatchObject({ outcome: "bad_response", reason: expect.stringMatching(/^line 2: /) });
    const server = await serve((_req, res) => void res.writeHead(500).end("boom"));
    servers.push(server);
    const failing = new PrometheusSource(sourceConfig({ name: "failing", url: `${server.url}/metrics`, readings }), deps);
    expect(await failing.scrapeOnce()).toMatchObject({ outcome: "http_error", reason: expect.stringMatching(/^HTTP 500 /) });
  });

  it("gives up on a target that does not answer within timeout_ms", async () => {
    const server = await serve(() => undefined); // never answers
    servers.push(server);
    const { metrics, deps } = await controllerState();
    const source = new PrometheusSource(sourceConfig({ url: `${server.url}/metrics`, readings, timeoutMs: 150 }), deps);
    expect(await source.scrapeOnce()).toMatchObject({ outcome: "timeout", applied: 0 });
    expect((await scrapeCounts(metrics, "test"))["timeout"]).toBe(1);
  });

  it("logs a failure once per change of state, with the field and the reason", async () => {
    let body = "pv_watts 1000\nsoc_percent 150";
    const { lines, deps } = await controllerState();
    const source = new PrometheusSource(sourceConfig({ url: await exporter(() => body), readings }), deps);
    for (let i = 0; i < 3; i++) await source.scrapeOnce();
    body = "pv_watts -1\nsoc_percent 50";
    for (let i = 0; i < 3; i++) await source.scrapeOnce();
    body = "pv_watts 1000\nsoc_percent 50";
    for (let i = 0; i < 3; i++) await source.scrapeOnce();
    expect(lines.map((l) => [l.level, l["outcome"], l["field"], l.msg])).toEqual([
      [WARN, "invalid", "battery_soc_percent",
        "prometheus source failed on battery_soc_percent: expected 0..100 % (got 150); nothing applied"],
      [WARN, "invalid", "pv_watts", "prometheus source failed on pv_watts: expected watts ≥ 0 (got -1); nothing applied"],
      [INFO, undefined, undefined, "prometheus source recovered"],
    ]);
    expect(lines[0]).toMatchObject({ source: "test", site: "berlin" });
  });

  it("polls on its interval without overlapping scrapes, and stays quiet once stopped", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await serve((_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      // Slower than the interval: a naive timer would start a second scrape meanwhile.
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end("pv_watts 500\nsoc_percent 40\n");
      }, 60);
    });
    servers.push(server);
    const { energy, metrics, deps } = await controllerState();
    const source = new PrometheusSource(sourceConfig({ url: `${server.url}/metrics`, readings, intervalMs: 20 }), deps);
    source.start();
    await waitFor(() => server.requests.length >= 3);
    await source.stop();
    const seen = server.requests.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(server.requests.length).toBe(seen);
    expect(maxInFlight).toBe(1);
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 500, batterySocPercent: 40 });
    const counts = await scrapeCounts(metrics, "test");
    expect(counts["ok"]! + counts["cancelled"]!).toBe(seen);
  });

  it("aborts a scrape in flight on stop and applies nothing from it", async () => {
    const server = await serve(() => undefined); // holds every request open
    servers.push(server);
    const { energy, metrics, deps } = await controllerState();
    const sources = createPrometheusSources([sourceConfig({ url: `${server.url}/metrics`, readings, timeoutMs: 10_000 })], deps);
    sources.start();
    await waitFor(() => server.requests.length === 1);
    const started = Date.now();
    await sources.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(energy.currentRevision).toBe(0);
    expect(await scrapeCounts(metrics, "test")).toMatchObject({ cancelled: 1, ok: 0, timeout: 0 });
    expect((await metrics.sourceUp.get()).values).toEqual([]); // a stop says nothing about the target
  });
});
