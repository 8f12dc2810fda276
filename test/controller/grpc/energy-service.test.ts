// EnergyService and Health over a real gRPC connection on loopback.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { ENERGY_SERVICE_NAME, createGrpcApi, type GrpcApi } from "../../../controller/grpc/server.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS, credentials } from "../auth/support.js";
import { EnergyClient } from "./support/energy-client.js";

let api: GrpcApi;
let energy: SiteEnergy;
let metrics: ControllerMetrics;
let client: EnergyClient;
let health: grpc.Client & Record<string, Function>;
/** What the server logged, one parsed JSON line each. */
let logLines: Array<Record<string, unknown>>;

// A fresh controller state, server and client per test (loopback connections are cheap).
beforeEach(async () => {
  energy = new SiteEnergy((await loadConfig(undefined)).sites);
  metrics = new ControllerMetrics();
  logLines = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  api = createGrpcApi(energy, metrics, null, credentials(), logger);
  const port = await api.listen("127.0.0.1:0");
  client = new EnergyClient(port, TOKENS.writer[0]!);
  const healthProto = createRequire(import.meta.url).resolve("grpc-health-check/proto/health/v1/health.proto");
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProto, { enums: String })) as any;
  health = new healthPkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(async () => {
  client.close();
  health.close();
  await api.close();
});

const metric = async (name: string) => (await metrics.registry.getSingleMetricAsString(name)).split("\n").filter((l) => !l.startsWith("#"));

describe("EnergyService.Report", () => {
  it("applies a batch", async () => {
    const { error, response } = await client.report({ readings: [
      { site: "berlin", timestamp_ms: Date.now(), pv_watts: 2500, battery_soc_percent: 55, health: "SITE_HEALTH_DRAINING" },
    ] });
    expect(error).toBeNull();
    expect(response).toEqual({ accepted: 1, ignored: [] });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 2500, batterySocPercent: 55, health: "draining" });
    expect(await metric("solar_controller_readings_accepted_total")).toEqual(['solar_controller_readings_accepted_total{source="grpc"} 1']);
  });

  it("answers which readings were not applied, and counts them", async () => {
    const now = Date.now();
    await client.report({ readings: [{ site: "sydney", timestamp_ms: now, pv_watts: 1 }] });
    const { response } = await client.report({ readings: [
      { site: "berlin", timestamp_ms: now, pv_watts: 1 },
      { site: "sydney", timestamp_ms: now - 1000, pv_watts: 2 },
      { site: "berlin", timestamp_ms: now, pv_watts: 3 },
    ] });
    expect(response).toEqual({ accepted: 1, ignored: [
      { message: 0, index: 1, site: "sydney", reason: 1 },
      { message: 0, index: 2, site: "berlin", reason: 2 },
    ] });
    expect(await metric("solar_controller_readings_ignored_total")).toEqual([
      'solar_controller_readings_ignored_total{source="grpc",reason="older_than_latest"} 1',
      'solar_controller_readings_ignored_total{source="grpc",reason="duplicate"} 1',
    ]);
    expect(await metric("solar_controller_readings_accepted_total")).toEqual(['solar_controller_readings_accepted_total{source="grpc"} 2']);
  });

  for (const [name, reading, field, message] of [
    ["NaN power", { pv_watts: Number.NaN }, "readings.0.pv_watts", /expected number/],
    ["negative power", { pv_watts: -1 }, "readings.0.pv_watts", /≥ 0/],
    ["1e308 W", { pv_watts: 1e308 }, "readings.0.pv_watts", /≤ 1e9/],
    ["SoC above 100 %", { battery_soc_percent: 130 }, "readings.0.battery_soc_percent", /0\.\.100/],
    ["a health number outside the enum", { health: 7 }, "readings.0.health", /unknown SiteHealth value 7; expected 0\.\.3/],
    ["a negative health number", { health: -1 }, "readings.0.health", /unknown SiteHealth value -1/],
    ["a missing timestamp", { timestamp_ms: 0 }, "readings.0.timestamp_ms", /required; expected Unix milliseconds as an integer/],
    ["a timestamp in seconds", { timestamp_ms: Math.floor(Date.now() / 1000) }, "readings.0.timestamp_ms", /from 2000-01-01/],
    ["a forecast ten years ahead", { forecast: [{ timestamp_ms: Date.now() + 10 * 365 * 86_400_000, pv_watts: 1 }] },
      "readings.0.forecast.0.timestamp_ms", /at most 7 days/],
  ] as const) {
    it(`refuses ${name} with INVALID_ARGUMENT naming the field`, async () => {
      const { error } = await client.report({ readings: [{ site: "sydney", timestamp_ms: Date.now(), ...reading }] });
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.details).toMatch(new RegExp(`^${field.replaceAll(".", "\\.")}: `));
      expect(error?.details).toMatch(message);
      expect(error?.metadata.get("field")).toEqual([field]);
      expect(energy.currentRevision).toBe(0);
      expect(await metric("solar_controller_readings_rejected_total")).toEqual(['solar_controller_readings_rejected_total{source="grpc"} 1']);
    });
  }

  it("applies a reading up to 5 minutes ahead at its receive time, and keeps updating the site", async () => {
    const ahead = await client.report({ readings: [{ site: "berlin", timestamp_ms: Date.now() + 4 * 60_000, pv_watts: 1 }] });
    expect(ahead.response?.accepted).toBe(1);
    expect(energy.get("berlin")!.updatedAtMs).toBeLessThanOrEqual(Date.now());
    await new Promise((r) => setTimeout(r, 5));
    const next = await client.report({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 2 }] });
    expect(next.response).toEqual({ accepted: 1, ignored: [] });
    expect(energy.get("berlin")?.pvWatts).toBe(2);
  });
});

describe("EnergyService.ReportStream", () => {
  it("applies all messages together when the client closes the stream, naming ignored ones by message", async () => {
    const now = Date.now();
    const ok = await client.stream([
      { readings: [{ site: "sydney", timestamp_ms: now, pv_watts: 10 }] },
      { readings: [{ site: "san-francisco", timestamp_ms: now, pv_watts: 20 }, { site: "sydney", timestamp_ms: now, pv_watts: 11 }] },
    ]);
    expect(ok.response).toEqual({ accepted: 2, ignored: [{ message: 1, index: 1, site: "sydney", reason: 2 }] });
    expect(energy.currentRevision).toBe(1);
    expect(energy.get("sydney")?.pvWatts).toBe(10);
  });

  it("refuses the whole stream for one bad message, naming it, and applies nothing", async () => {
    const now = Date.now();
    const bad = await client.stream([
      { readings: [{ site: "sydney", timestamp_ms: now + 1, pv_watts: 99 }] },
      { readings: [{ site: "sydney", timestamp_ms: now }, { site: "nowhere", timestamp_ms: now }] },
    ]);
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/^messages\.1\.readings\.1\.site: unknown site 'nowhere'/);
    expect(bad.error?.metadata.get("field")).toEqual(["messages.1.readings.1.site"]);
    expect(energy.currentRevision).toBe(0);
  });

  it("refuses a stream without messages", async () => {
    const { error } = await client.stream([]);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.metadata.get("field")).toEqual(["messages"]);
  });
});

describe("unexpected errors in EnergyService", () => {
  // A change listener that throws stands for any bug past validation: the exception surfaces in
  // the handler, which must answer INTERNAL, log it once and leave the process serving.
  const PV = 4_242.25;
  const breakApply = () => energy.onChange(() => {
    throw new Error(`listener failed on ${PV} W`);
  });
  const ERROR = 50;

  const expectOneLoggedInternal = (method: string) => {
    const errors = logLines.filter((l) => l["level"] === ERROR);
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line).toMatchObject({ method, msg: `${method}: unexpected error; answered INTERNAL`, error: { type: "Error" } });
    // Where it was thrown and how it got there: the listener, SiteEnergy.apply, the handler.
    const at = (line["error"] as { at: string[] }).at;
    expect(at[0]).toMatch(/^at .*energy-service\.test\.ts/);
    expect(at.some((f) => /site-energy\.ts/.test(f))).toBe(true);
    expect(at.some((f) => /controller\/grpc\/energy-service\.ts/.test(f))).toBe(true);
    // Neither the request (its values, sites), the exception's message (it may quote the request) nor the metadata.
    const text = JSON.stringify(line);
    for (const secret of [String(PV), "sydney", "listener failed", TOKENS.writer[0]!, "authorization"]) expect(text).not.toContain(secret);
  };

  it("answers a Report INTERNAL, logs it once without the request, and serves the next call", async () => {
    const unsubscribe = breakApply();
    const { error } = await client.report({ readings: [{ site: "sydney", timestamp_ms: Date.now(), pv_watts: PV }] });
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).toBe("internal error");
    expectOneLoggedInternal("Report");
    unsubscribe();
    const next = await client.report({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 1 }] });
    expect(next.response).toEqual({ accepted: 1, ignored: [] });
  });

  it("answers a ReportStream INTERNAL, logs it once without the request, and serves the next call", async () => {
    const unsubscribe = breakApply();
    const now = Date.now();
    const { error } = await client.stream([1, 2, 3].map((i) => ({ readings: [{ site: "sydney", timestamp_ms: now - i, pv_watts: PV }] })));
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expectOneLoggedInternal("ReportStream");
    unsubscribe();
    const next = await client.stream([{ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 2 }] }]);
    expect(next.response).toEqual({ accepted: 1, ignored: [] });
    expect(await metric("solar_controller_grpc_report_streams_open")).toEqual(["solar_controller_grpc_report_streams_open 0"]);
  });
});

describe("grpc.health.v1", () => {
  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      health["check"]!({ service }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))));

  it("reports NOT_SERVING until the controller is ready, then SERVING", async () => {
    expect(await check(ENERGY_SERVICE_NAME)).toBe("NOT_SERVING");
    api.setServing(true);
    expect(await check("")).toBe("SERVING");
    expect(await check(ENERGY_SERVICE_NAME)).toBe("SERVING");
  });
});
