// API sources against a fake Prometheus server on loopback that answers /api/v1/query the way
// Prometheus does: vectors, scalars, errors.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrometheusSource } from "../../../../controller/ingest/prometheus/prometheus-source.js";
import { controllerState, counterValue, scrapeCounts, serve, sourceConfig, type Loopback } from "./support/loopback.js";

const NOW = Date.UTC(2026, 5, 21, 12);
const at = NOW / 1000;

const vector = (...values: string[]) => ({
  status: "success",
  data: { resultType: "vector", result: values.map((v, i) => ({ metric: { instance: `i${i}` }, value: [at, v] })) },
});

/** Query text → [HTTP status, JSON body]; unknown queries get an empty vector. */
let answers: Record<string, [number, unknown]> = {};
let server: Loopback;

beforeEach(async () => {
  answers = {};
  server = await serve((req, res) => {
    const url = new URL(req.url!, "http://x");
    if (url.pathname !== "/prom/api/v1/query") return void res.writeHead(404).end("404 page not found");
    const [status, body] = answers[url.searchParams.get("query") ?? ""] ?? [200, vector()];
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
});
afterEach(() => server.close());

function apiSource(readings: Record<string, string>, deps: Awaited<ReturnType<typeof controllerState>>["deps"]) {
  return new PrometheusSource(sourceConfig({ name: "prom", kind: "api", url: `${server.url}/prom`, site: "sydney", readings }), deps);
}

describe("api source", () => {
  it("sends every query for the same instant and applies the answers as one reading", async () => {
    answers = {
      'sum(sunspec_inverter_ac_power_watts{site="syd"})': [200, vector("5120.5")],
      "avg_over_time(battery_soc[5m])": [200, vector("64")],
      "scalar(grid_intensity)": [200, { status: "success", data: { resultType: "scalar", result: [at, "512"] } }],
    };
    const { energy, metrics, deps } = await controllerState(() => NOW);
    const source = apiSource({
      pv_watts: 'sum(sunspec_inverter_ac_power_watts{site="syd"})',
      battery_soc_percent: "avg_over_time(battery_soc[5m])",
      grid_carbon_g_per_kwh: "scalar(grid_intensity)",
    }, deps);
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 1 });
    expect(energy.get("sydney")).toMatchObject({ updatedAtMs: NOW, pvWatts: 5120.5, batterySocPercent: 64, gridCarbon: 512 });
    const sent = server.requests.map((r) => new URL(r, "http://x").searchParams);
    expect(sent.map((p) => p.get("time"))).toEqual(["1782043200.000", "1782043200.000", "1782043200.000"]);
    expect(sent.map((p) => p.get("timeout"))).toEqual(["2000ms", "2000ms", "2000ms"]);
    expect(await scrapeCounts(metrics, "prom")).toEqual({
      ok: 1, unreachable: 0, timeout: 0, cancelled: 0, http_error: 0, bad_response: 0, missing: 0, ambiguous: 0, invalid: 0,
    });
    expect(await counterValue(metrics, "readingsAccepted")).toBe(1);
  });

  const failures: Array<[string, [number, unknown], string, RegExp]> = [
    ["several samples", [200, vector("1", "2", "3")], "ambiguous", /3 samples; expected one/],
    ["no sample", [200, vector()], "missing", /no samples/],
    ["a query error", [400, { status: "error", errorType: "bad_data", error: "parse error at char 4" }], "http_error",
      /HTTP 400: bad_data: parse error at char 4/],
    ["a range vector", [200, { status: "success", data: { resultType: "matrix", result: [] } }], "bad_response", /result type 'matrix'/],
    ["a malformed sample", [200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: "7" }] } }],
      "bad_response", /malformed vector/],
    ["a value that is no number", [200, vector("seven")], "bad_response", /'seven' is not a number/],
    ["something that is not the API", [200, { hello: "world" }], "bad_response", /not a Prometheus API response/],
    ["NaN", [200, vector("NaN")], "invalid", /got NaN/],
    ["+Inf watts", [200, vector("+Inf")], "invalid", /got Infinity/],
    ["negative watts", [200, vector("-250")], "invalid", /expected watts ≥ 0 \(got -250\)/],
  ];
  for (const [name, answer, outcome, reason] of failures) {
    it(`refuses ${name} for pv_watts: ${outcome}, nothing applied`, async () => {
      answers = { pv: answer, soc: [200, vector("50")] };
      const { energy, metrics, deps } = await controllerState(() => NOW);
      const report = await apiSource({ pv_watts: "pv", battery_soc_percent: "soc" }, deps).scrapeOnce();
      expect(report).toMatchObject({ outcome, field: "pv_watts", applied: 0 });
      expect(report.reason).toMatch(reason);
      expect(energy.currentRevision).toBe(0);
      expect(energy.get("sydney")?.batterySocPercent).toBe(0);
      const counts = await scrapeCounts(metrics, "prom");
      expect(counts[outcome]).toBe(1);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
      expect(await counterValue(metrics, "readingsRejected")).toBe(outcome === "invalid" ? 1 : 0);
    });
  }

  it("answers 404 for a wrong base path as an HTTP error", async () => {
    const { deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(sourceConfig({ kind: "api", url: server.url, readings: { pv_watts: "pv" } }), deps);
    expect(await source.scrapeOnce()).toMatchObject({ outcome: "http_error", field: "pv_watts", reason: "HTTP 404" });
  });
});
