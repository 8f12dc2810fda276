// Who may call which gRPC method on the controller's server: EnergyService needs a writer
// credential (a refused stream has none of its messages applied, and is refused before it ends);
// Health and LedgerService are open; with no credentials configured, every write is refused.
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Credentials } from "../../../controller/auth/credentials.js";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { loadEnergyProto } from "../../../controller/grpc/energy-service.js";
import { loadLedgerProto } from "../../../controller/grpc/ledger-service.js";
import { createGrpcApi, type GrpcApi } from "../../../controller/grpc/server.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS, UNKNOWN_TOKEN, bearer, credentials, refusalCounts, smallLedger } from "../auth/support.js";

type Client = grpc.Client & Record<string, Function>;
type Outcome = { code: grpc.status; details?: string; accepted?: number };

interface Server {
  api: GrpcApi;
  energy: SiteEnergy;
  metrics: ControllerMetrics;
  energyClient: Client;
  ledgerClient: Client;
  healthClient: Client;
}

async function startServer(creds: Credentials, ledger: Awaited<ReturnType<typeof smallLedger>> | null): Promise<Server> {
  const energy = new SiteEnergy((await loadConfig(undefined)).sites);
  const metrics = new ControllerMetrics();
  const api = createGrpcApi(energy, metrics, ledger?.storage ?? null, creds, createLogger("silent"));
  const address = `127.0.0.1:${await api.listen("127.0.0.1:0")}`;
  const insecure = grpc.credentials.createInsecure();
  const solar = (proto: grpc.GrpcObject) => (proto["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
  const EnergyService = solar(loadEnergyProto())["EnergyService"] as grpc.ServiceClientConstructor;
  const LedgerService = solar(loadLedgerProto())["LedgerService"] as grpc.ServiceClientConstructor;
  const healthProto = createRequire(import.meta.url).resolve("grpc-health-check/proto/health/v1/health.proto");
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProto, { enums: String })) as any;
  return {
    api, energy, metrics,
    energyClient: new EnergyService(address, insecure) as unknown as Client,
    ledgerClient: new LedgerService(address, insecure) as unknown as Client,
    healthClient: new healthPkg.grpc.health.v1.Health(address, insecure),
  };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  for (const c of [server.energyClient, server.ledgerClient, server.healthClient]) c.close();
  await server.api.close();
}

const withToken = (token?: string): grpc.Metadata => {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", bearer(token));
  return metadata;
};

const outcome = (resolve: (o: Outcome) => void) => (error: grpc.ServiceError | null, response?: { accepted: number }) =>
  resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, accepted: response!.accepted });

/** Readings' times strictly increase, so none is ignored as a duplicate of the one before. */
let lastMs = 0;
const reading = (pv: number) => {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return { readings: [{ site: "berlin", timestamp_ms: lastMs, pv_watts: pv, health: "SITE_HEALTH_DRAINING" }] };
};

const report = (s: Server, token?: string) =>
  new Promise<Outcome>((resolve) => s.energyClient["Report"]!(reading(1_111), withToken(token), outcome(resolve)));

/** Writes `messages` and half-closes; the answer is whatever the server says. */
const stream = (s: Server, token: string | undefined, messages: number) =>
  new Promise<Outcome>((resolve) => {
    const call = s.energyClient["ReportStream"]!(withToken(token), outcome(resolve));
    for (let i = 0; i < messages; i++) call.write(reading(2_000 + i));
    call.end();
  });

const readingsCounted = async (s: Server) => s.metrics.registry.getSingleMetricAsString("solar_controller_readings_accepted_total");

describe("gRPC access with credentials", () => {
  let s: Server;
  let ledger: Awaited<ReturnType<typeof smallLedger>>;
  beforeAll(async () => {
    ledger = await smallLedger();
    s = await startServer(credentials(), ledger);
  });
  afterAll(async () => {
    await stopServer(s);
    ledger?.remove();
  });

  it("refuses Report without a credential or with an unknown one (UNAUTHENTICATED), with a reader one (PERMISSION_DENIED)", async () => {
    const before = s.energy.currentRevision;
    const refusedBefore = await refusalCounts(s.metrics);
    expect((await report(s)).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await report(s, UNKNOWN_TOKEN)).code).toBe(grpc.status.UNAUTHENTICATED);
    for (const token of TOKENS.reader) {
      expect(await report(s, token)).toEqual({ code: grpc.status.PERMISSION_DENIED, details: "this endpoint needs a writer credential" });
    }
    expect(s.energy.currentRevision).toBe(before);
    expect(await readingsCounted(s)).not.toMatch(/source="grpc"/);
    expect(await refusalCounts(s.metrics)).toEqual({
      "grpc unauthenticated": refusedBefore["grpc unauthenticated"]! + 2,
      "grpc permission_denied": refusedBefore["grpc permission_denied"]! + 2,
    });
  });

  it("applies Report with either writer credential (rotation)", async () => {
    const before = s.energy.currentRevision;
    const refusedBefore = await refusalCounts(s.metrics);
    for (const token of TOKENS.writer) expect(await report(s, token)).toEqual({ code: grpc.status.OK, accepted: 1 });
    expect(await refusalCounts(s.metrics)).toEqual(refusedBefore);
    expect(s.energy.currentRevision).toBe(before + 2);
    expect(s.energy.get("berlin")).toMatchObject({ pvWatts: 1_111, health: "draining" });
  });

  it("refuses ReportStream without a writer credential and applies none of its messages", async () => {
    const before = s.energy.currentRevision;
    expect((await stream(s, undefined, 3)).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await stream(s, UNKNOWN_TOKEN, 3)).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await stream(s, TOKENS.reader[0], 3)).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(s.energy.currentRevision).toBe(before);
    expect(await stream(s, TOKENS.writer[0], 3)).toEqual({ code: grpc.status.OK, accepted: 3 });
    expect(s.energy.currentRevision).toBe(before + 1);
  });

  it("refuses a stream when it opens, before the client has finished sending", async () => {
    // The handler answers only at the end of the stream; an answer while it is open comes from the check.
    const before = s.energy.currentRevision;
    const refused = await new Promise<Outcome>((resolve) => {
      const call = s.energyClient["ReportStream"]!(withToken(TOKENS.reader[1]), outcome(resolve));
      call.write(reading(9_999));
    });
    expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(s.energy.currentRevision).toBe(before);
  });

  it("keeps Health and LedgerService open", async () => {
    s.api.setServing(true);
    const status = await new Promise<string>((resolve, reject) =>
      s.healthClient["check"]!({ service: "" }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))));
    expect(status).toBe("SERVING");
    for (const token of [undefined, UNKNOWN_TOKEN]) {
      const checkpoint = await new Promise<{ error: grpc.ServiceError | null; note?: string }>((resolve) =>
        s.ledgerClient["GetCheckpoint"]!({}, withToken(token), (error: grpc.ServiceError | null, r?: { note: string }) =>
          resolve({ error, ...(r ? { note: r.note } : {}) })));
      expect(checkpoint.error).toBeNull();
      expect(checkpoint.note?.startsWith("solar.example/ledger\n1\n")).toBe(true);
    }
  });
});

describe("gRPC access with no credentials configured", () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer(Credentials.none(), null);
  });
  afterAll(async () => {
    await stopServer(s);
  });

  it("refuses every EnergyService call, whatever the credential", async () => {
    for (const token of [undefined, TOKENS.reader[0], TOKENS.writer[0]]) {
      expect((await report(s, token)).code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await stream(s, token, 1)).code).toBe(grpc.status.UNAUTHENTICATED);
    }
    expect(s.energy.currentRevision).toBe(0);
  });
});
