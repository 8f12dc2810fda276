// EnergyService and Health over a real gRPC connection on loopback. Calls carry a writer
// credential; who may call what is in access.test.ts.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/energy/site-energy.js";
import { loadEnergyProto } from "../../../controller/grpc/energy-service.js";
import { ENERGY_SERVICE_NAME, createGrpcApi, type GrpcApi } from "../../../controller/grpc/server.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { TOKENS, bearer, credentials } from "../auth/support.js";

type Client = grpc.Client & Record<string, Function>;
let api: GrpcApi;
let energy: SiteEnergy;
let client: Client;
let health: Client;

beforeAll(async () => {
  energy = new SiteEnergy((await loadConfig(undefined)).sites);
  api = createGrpcApi(energy, new ControllerMetrics(), null, credentials());
  const port = await api.listen("127.0.0.1:0");
  const v1 = (loadEnergyProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
  const EnergyService = v1["EnergyService"] as grpc.ServiceClientConstructor;
  client = new EnergyService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
  const healthProto = createRequire(import.meta.url).resolve("grpc-health-check/proto/health/v1/health.proto");
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProto, { enums: String })) as any;
  health = new healthPkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  health?.close();
  await api?.close();
});

const writer = () => {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", bearer(TOKENS.writer[0]!));
  return metadata;
};

const report = (request: object) =>
  new Promise<{ error: grpc.ServiceError | null; response: { accepted: number } | null }>((resolve) =>
    client["Report"]!(request, writer(), (error: grpc.ServiceError | null, response: { accepted: number }) => resolve({ error, response })));

const stream = (requests: object[]) =>
  new Promise<{ error: grpc.ServiceError | null; response: { accepted: number } | null }>((resolve) => {
    const call = client["ReportStream"]!(writer(), (error: grpc.ServiceError | null, response: { accepted: number }) => resolve({ error, response }));
    for (const r of requests) call.write(r);
    call.end();
  });

describe("EnergyService", () => {
  it("Report applies a batch", async () => {
    const { error, response } = await report({ readings: [
      { site: "berlin", timestamp_ms: Date.now(), pv_watts: 2500, battery_soc_percent: 55, health: "SITE_HEALTH_DRAINING" },
    ] });
    expect(error).toBeNull();
    expect(response).toEqual({ accepted: 1 });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 2500, batterySocPercent: 55, health: "draining" });
  });

  for (const [name, reading, field] of [
    ["NaN power", { pv_watts: Number.NaN }, "readings.0.pv_watts"],
    ["negative power", { pv_watts: -1 }, "readings.0.pv_watts"],
    ["SoC above 100 %", { battery_soc_percent: 130 }, "readings.0.battery_soc_percent"],
  ] as const) {
    it(`Report refuses ${name} with INVALID_ARGUMENT naming the field`, async () => {
      const before = energy.currentRevision;
      const { error } = await report({ readings: [{ site: "sydney", timestamp_ms: Date.now(), ...reading }] });
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.details).toContain(field);
      expect(error?.metadata.get("field")).toEqual([field]);
      expect(energy.currentRevision).toBe(before);
    });
  }

  it("ReportStream applies all messages together, or none", async () => {
    const now = Date.now();
    const ok = await stream([
      { readings: [{ site: "sydney", timestamp_ms: now, pv_watts: 10 }] },
      { readings: [{ site: "san-francisco", timestamp_ms: now, pv_watts: 20 }] },
    ]);
    expect(ok.response).toEqual({ accepted: 2 });
    const before = energy.currentRevision;
    const bad = await stream([
      { readings: [{ site: "sydney", timestamp_ms: now + 1, pv_watts: 99 }] },
      { readings: [{ site: "nowhere", timestamp_ms: now }] },
    ]);
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.error?.details).toContain("readings.1.site");
    expect(energy.currentRevision).toBe(before);
    expect(energy.get("sydney")?.pvWatts).toBe(10);
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
