// Who may call which HTTP endpoint, over a real socket: reader and writer roles, rotation, open
// endpoints, closed by default with no credentials, and every spelling of a protected path a
// client can send (percent-encoded, absolute-form, extra slashes, ...) refused with nothing
// applied — the check runs on the route the router matched, not on the raw URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { Credentials } from "../../../controller/auth/credentials.js";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { REPORT_CONTENT_TYPE } from "../../../controller/ingest/reports/decode.js";
import { encodeReport } from "../../../controller/ingest/reports/encode.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import { TOKENS, UNKNOWN_TOKEN, bearer, credentials, rawRequest, refusalCounts, smallLedger } from "../auth/support.js";

interface Api {
  app: FastifyInstance;
  port: number;
  energy: SiteEnergy;
  observations: Observations;
  metrics: ControllerMetrics;
}

async function startApi(creds: Credentials, ledger: Awaited<ReturnType<typeof smallLedger>> | null): Promise<Api> {
  const config = await loadConfig(undefined);
  // A clock at 1 ms makes the published version 1, the version the test reports name.
  const feed = new TableFeed(60_000, () => 1);
  feed.publish(feed.prepare([{ key: "shop.example.com", upstreams: [{ name: "site-ber", weight: 1, canaryWeight: 0, draining: false }] }]));
  const energy = new SiteEnergy(config.sites);
  const observations = new Observations(config.services);
  const metrics = new ControllerMetrics();
  const app = createHttpApi({
    feed, energy, observations, metrics, logger: createLogger("silent"), credentials: creds,
    maxWaitMs: 1_000, ledgerStorage: ledger?.storage ?? null, ready: () => true,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, port: (app.server.address() as { port: number }).port, energy, observations, metrics };
}

const energyBody = () => JSON.stringify({ readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 777, health: "draining" }] });
const reportBody = () => encodeReport({
  reporter: 9n, windowStartMs: Date.now() - 5_000, windowEndMs: Date.now(),
  entries: [{ tableVersion: 1n, service: "shop.example.com", upstream: "site-ber", requests: 500, responses: 0, responses5xx: 0, latencyBuckets: [] }],
});

function send(api: Api, method: string, target: string, options: { token?: string; authorization?: string; type?: string; body?: string | Uint8Array } = {}) {
  const lines = [`${method} ${target} HTTP/1.1`, "host: controller.test"];
  const authorization = options.authorization ?? (options.token === undefined ? undefined : bearer(options.token));
  if (authorization !== undefined) lines.push(`authorization: ${authorization}`);
  if (options.type !== undefined) lines.push(`content-type: ${options.type}`);
  return rawRequest(api.port, lines.join("\r\n"), options.body ?? "");
}
const postEnergy = (api: Api, target: string, token?: string) =>
  send(api, "POST", target, { ...(token === undefined ? {} : { token }), type: "application/json", body: energyBody() });
const postReport = (api: Api, target: string, token?: string) =>
  send(api, "POST", target, { ...(token === undefined ? {} : { token }), type: REPORT_CONTENT_TYPE, body: reportBody() });
/** Requests the reports taken so far carried (the observations spread them over time). */
const reported = async (api: Api) =>
  Number((await api.metrics.registry.getSingleMetricAsString("solar_controller_reported_requests_total")).match(/ (\d+)$/m)![1]);

describe("HTTP access with reader and writer credentials", () => {
  let api: Api;
  let ledger: Awaited<ReturnType<typeof smallLedger>>;
  beforeAll(async () => {
    ledger = await smallLedger();
    api = await startApi(credentials(), ledger);
  });
  afterAll(async () => {
    await api?.app.close();
    ledger?.remove();
  });

  it("refuses a table request without a known credential: 401 with a Bearer challenge, in the controller's error shape", async () => {
    for (const authorization of [undefined, bearer(UNKNOWN_TOKEN), "Bearer", "Basic cmVhZGVyOnB3", `Bearer ${TOKENS.reader[0]} extra`, `Bearer ${TOKENS.reader[0]!.slice(0, -1)}`]) {
      const res = await send(api, "GET", "/v1/table", authorization === undefined ? {} : { authorization });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer\b/);
      expect(JSON.parse(res.body)).toEqual({ error: { code: "unauthenticated", message: expect.stringContaining("bearer credential") } });
    }
    expect((await send(api, "HEAD", "/v1/table")).status).toBe(401);
  });

  it("serves tables to every reader and writer credential (rotation), with the scheme name in any case", async () => {
    for (const token of [...TOKENS.reader, ...TOKENS.writer]) {
      expect((await send(api, "GET", "/v1/table", { token })).status).toBe(200);
    }
    expect((await send(api, "GET", "/v1/table", { authorization: `bearer ${TOKENS.reader[1]}` })).status).toBe(200);
  });

  it("takes energy readings only with a writer credential: none or unknown → 401, reader → 403, nothing applied", async () => {
    const before = api.energy.currentRevision;
    const refusedBefore = await refusalCounts(api.metrics);
    expect((await postEnergy(api, "/v1/energy")).status).toBe(401);
    expect((await postEnergy(api, "/v1/energy", UNKNOWN_TOKEN)).status).toBe(401);
    for (const token of TOKENS.reader) {
      const res = await postEnergy(api, "/v1/energy", token);
      expect(res.status).toBe(403);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer .*error="insufficient_scope"/);
      expect(JSON.parse(res.body).error).toEqual({ code: "permission_denied", message: "this endpoint needs a writer credential" });
    }
    expect(api.energy.currentRevision).toBe(before);
    const refused = {
      "http unauthenticated": refusedBefore["http unauthenticated"]! + 2,
      "http permission_denied": refusedBefore["http permission_denied"]! + 2,
    };
    expect(await refusalCounts(api.metrics)).toEqual(refused);
    for (const token of TOKENS.writer) {
      const res = await postEnergy(api, "/v1/energy", token);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ accepted: 1, ignored: [] });
    }
    expect(await refusalCounts(api.metrics)).toEqual(refused);
    expect(api.energy.currentRevision).toBe(before + 2);
    expect(api.energy.get("berlin")).toMatchObject({ pvWatts: 777, health: "draining" });
  });

  it("takes reports from reader and writer credentials, refuses them without one and folds nothing in", async () => {
    const before = (await reported(api));
    expect((await postReport(api, "/v1/reports")).status).toBe(401);
    expect((await postReport(api, "/v1/reports", UNKNOWN_TOKEN)).status).toBe(401);
    expect((await reported(api))).toBe(before);
    expect((await postReport(api, "/v1/reports", TOKENS.reader[0])).status).toBe(204);
    const afterReader = (await reported(api));
    expect(afterReader).toBeGreaterThan(before);
    expect((await postReport(api, "/v1/reports", TOKENS.writer[1])).status).toBe(204);
    expect((await reported(api))).toBeGreaterThan(afterReader);
  });

  it("keeps health, readiness, metrics and the ledger's reads open", async () => {
    expect((await send(api, "GET", "/healthz")).status).toBe(200);
    expect((await send(api, "GET", "/readyz")).status).toBe(200);
    expect((await send(api, "GET", "/metrics")).body).toContain("solar_controller_");
    const checkpoint = await send(api, "GET", "/ledger/checkpoint");
    expect(checkpoint.status).toBe(200);
    expect(checkpoint.body.startsWith("solar.example/ledger\n1\n")).toBe(true);
    expect((await send(api, "GET", "/ledger/entry/0")).body).toBe("access test entry");
    expect((await send(api, "GET", "/ledger/proof/inclusion?index=0")).status).toBe(200);
    // A credential, even an unknown one, changes nothing on an open endpoint.
    expect((await send(api, "GET", "/ledger/checkpoint", { token: UNKNOWN_TOKEN })).status).toBe(200);
  });

  it("answers an unknown route 404 in the controller's error shape", async () => {
    const res = await send(api, "GET", "/v2/table", { token: TOKENS.writer[0] });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "not_found", message: "no such route" } });
  });
});

// Each spelling either reaches the energy or report route (and its check) or matches no route.
const ENERGY_SPELLINGS = [
  "/%761/energy", "/v%31/energy", "/%76%31/%65%6e%65%72%67%79", "/v1/%65nergy", "/v1/energ%79",
  "http://x/v1/energy", "HTTP://x/v1/energy", "https://controller.test:8080/v1/energy", "http://x/%761/energy",
  "/v1/energy?x=1", "/v1/energy?", "/v1/energy#x", "/v1/energy?/../../healthz",
  "//v1/energy", "/v1//energy", "/v1/energy/", "/v1/energy;x", "/v1/energy;/healthz", "/./v1/energy", "/v1/./energy",
  "/healthz/../v1/energy", "/ledger/../v1/energy", "/v1%2fenergy", "/%2e/v1/energy", "/V1/energy", "/v1/Energy", "/v1/ENERGY",
  "/v1/energy%00", "/v1/energy%20", "/v1/energy%3Fx", "/v1/energy%23", "*",
];
const REPORT_SPELLINGS = ["/%761/reports", "/v%31/reports", "/v1/%72eports", "http://x/v1/reports", "/v1/reports/", "//v1/reports", "/V1/reports"];

describe("HTTP access on the matched route, whatever the spelling", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(credentials(), null);
  });
  afterAll(async () => {
    await api?.app.close();
  });

  it("the raw client reaches the handler when the credential is right (so refusals below are the check's)", async () => {
    expect((await postEnergy(api, "/%761/energy", TOKENS.writer[0])).status).toBe(200);
    expect((await postEnergy(api, "http://x/v1/energy", TOKENS.writer[0])).status).toBe(200);
    expect((await postReport(api, "/%761/reports", TOKENS.reader[0])).status).toBe(204);
  });

  it("refuses every spelling of POST /v1/energy without a credential or with a reader one, and applies nothing", async () => {
    const before = api.energy.currentRevision;
    const seen = new Set<string>();
    for (const target of ENERGY_SPELLINGS) {
      const none = await postEnergy(api, target);
      expect([401, 404], `${target} without a credential`).toContain(none.status);
      const reader = await postEnergy(api, target, TOKENS.reader[0]);
      expect([403, 404], `${target} with a reader credential`).toContain(reader.status);
      if (none.status === 401) expect(reader.status, target).toBe(403);
      seen.add(`${none.status}/${reader.status}`);
    }
    expect(api.energy.currentRevision).toBe(before);
    // The list exercises both outcomes: spellings the router decodes to the route, and ones it does not match.
    expect([...seen].sort()).toEqual(["401/403", "404/404"]);
    for (const target of ["/%761/energy", "/v%31/energy", "http://x/v1/energy", "/v1/%65nergy"]) {
      expect((await postEnergy(api, target)).status, target).toBe(401);
    }
  });

  it("refuses every spelling of POST /v1/reports without a credential, and folds nothing in", async () => {
    const before = (await reported(api));
    for (const target of REPORT_SPELLINGS) {
      expect([401, 404], target).toContain((await postReport(api, target)).status);
      expect([401, 404], target).toContain((await postReport(api, target, UNKNOWN_TOKEN)).status);
    }
    expect((await postReport(api, "/%761/reports")).status).toBe(401);
    expect((await reported(api))).toBe(before);
  });
});

describe("HTTP access with no credentials configured", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(Credentials.none(), null);
  });
  afterAll(async () => {
    await api?.app.close();
  });

  it("refuses every protected endpoint to anyone, and keeps the open ones open", async () => {
    const before = api.energy.currentRevision;
    for (const token of [undefined, TOKENS.reader[0], TOKENS.writer[0]]) {
      expect((await send(api, "GET", "/v1/table", token === undefined ? {} : { token })).status).toBe(401);
      expect((await postEnergy(api, "/v1/energy", token)).status).toBe(401);
      expect((await postReport(api, "/v1/reports", token)).status).toBe(401);
    }
    expect(api.energy.currentRevision).toBe(before);
    expect((await reported(api))).toBe(0);
    expect((await send(api, "GET", "/healthz")).status).toBe(200);
    expect((await send(api, "GET", "/metrics")).status).toBe(200);
  });
});
