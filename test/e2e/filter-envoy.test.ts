// The filter in a real Envoy (v8 runtime, two workers): requests go where the table says, and
// every way of not having a usable table leaves Envoy's default route in charge with no 5xx.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTable } from "../../controller/table/encode.js";
import type { WeightTable } from "../../controller/table/weight-table.js";
import {
  DEFAULT_CLUSTER, REPO_ROOT, ROUTING_HEADER, buildEnvoyConfig, sendRequests, startEnvoy, startUpstreams,
  type EnvoyHandle, type LoadResult, type Upstreams,
} from "../envoy/harness.js";
import { chiSquare, chiSquareCritical001, maxShareErrorPp } from "../support/stats.js";

const FILTER_WASM = join(REPO_ROOT, "build", "filter.wasm");
const SITES = ["site-a", "site-b", "site-c"];
const REQUESTS = 3000;

const now = BigInt(Date.now());
const table: WeightTable = {
  version: 5n,
  issuedAtMs: now,
  ttlMs: 3_600_000,
  canaryBp: null,
  services: [
    { key: "api.example.com", upstreams: [
      { name: "site-a", weight: 50, canaryWeight: 0, draining: false },
      { name: "site-b", weight: 30, canaryWeight: 0, draining: false },
      { name: "site-c", weight: 20, canaryWeight: 0, draining: false },
    ] },
    { key: "drain.example.com", upstreams: [
      { name: "site-a", weight: 1, canaryWeight: 0, draining: false },
      { name: "site-b", weight: 1, canaryWeight: 0, draining: true },
      { name: "site-c", weight: 1, canaryWeight: 0, draining: false },
    ] },
  ],
};
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const expiredTable = base64(encodeTable({ ...table, issuedAtMs: now - 7_200_000n }));
const corrupt = encodeTable(table).slice();
corrupt[corrupt.length - 1]! ^= 0x01;

const listeners = {
  weighted: { static_table: base64(encodeTable(table)) },
  sticky: { static_table: base64(encodeTable(table)), sticky_header: "x-session" },
  none: {},
  expired: { static_table: expiredTable },
  corrupt: { static_table: base64(corrupt) },
} as const;

type ListenerName = keyof typeof listeners;

describe("solar-router filter in Envoy", () => {
  let upstreams: Upstreams;
  let envoy: EnvoyHandle;

  beforeAll(async () => {
    if (!existsSync(FILTER_WASM)) throw new Error(`${FILTER_WASM} is missing: run npm run build:filter`);
    upstreams = await startUpstreams([...SITES, DEFAULT_CLUSTER]);
    const config = buildEnvoyConfig({
      upstreams: upstreams.addresses(),
      // One VM per worker shared by five plugin configurations: five root contexts per VM.
      listeners: Object.entries(listeners).map(([name, pluginConfig]) => ({
        name,
        wasm: { wasmPath: FILTER_WASM, rootId: "solar_router", vmId: "solar_router", pluginConfig },
      })),
    });
    envoy = await startEnvoy(config, { concurrency: 2 });
  });

  afterAll(async () => {
    await envoy?.stop();
    await upstreams?.close();
  });

  async function load(listener: ListenerName, host: string, extra: Partial<Parameters<typeof sendRequests>[1]> = {}): Promise<LoadResult> {
    const result = await sendRequests(envoy.listenerUrl(listener), {
      count: REQUESTS, concurrency: 8, hostHeader: host, deadlineMs: 60_000, ...extra,
    });
    expect(result.errors, result.errorSamples.join("; ")).toBe(0);
    expect(result.sent).toBe(extra.count ?? REQUESTS);
    expect(result.byStatus).toEqual({ "200": extra.count ?? REQUESTS });
    return result;
  }

  it("splits traffic as the table says (chi-square p > 0.001, every site within 3 points)", async () => {
    const result = await load("weighted", "api.example.com");
    const observed = SITES.map((s) => result.byServedBy[s] ?? 0);
    const shares = [0.5, 0.3, 0.2];
    expect(result.byServedBy[DEFAULT_CLUSTER] ?? 0).toBe(0);
    console.log(`Envoy split over ${REQUESTS} requests: ${SITES.map((s, i) => `${s} ${observed[i]}`).join(", ")}; ` +
      `chi-square ${chiSquare(observed, shares).toFixed(2)} (critical ${chiSquareCritical001(2)}), ` +
      `max error ${maxShareErrorPp(observed, shares).toFixed(2)} points`);
    expect(chiSquare(observed, shares)).toBeLessThan(chiSquareCritical001(2));
    expect(maxShareErrorPp(observed, shares)).toBeLessThan(3);
  });

  it("matches the service by host without port, case-insensitively", async () => {
    const result = await load("weighted", "API.Example.com:8443", { count: 300 });
    expect(result.byServedBy[DEFAULT_CLUSTER] ?? 0).toBe(0);
  });

  it("never sends traffic to a draining upstream", async () => {
    const result = await load("weighted", "drain.example.com");
    expect(result.byServedBy["site-b"] ?? 0).toBe(0);
    const observed = [result.byServedBy["site-a"] ?? 0, result.byServedBy["site-c"] ?? 0];
    expect(chiSquare(observed, [0.5, 0.5])).toBeLessThan(chiSquareCritical001(1));
  });

  it("keeps each sticky key on one upstream", async () => {
    const seen = new Map<string, string>();
    const keys = 150;
    for (let k = 0; k < keys; k++) {
      const result = await load("sticky", "api.example.com", { count: 20, concurrency: 4, headers: { "x-session": `user-${k}` } });
      const served = Object.keys(result.byServedBy);
      expect(served, `key user-${k}`).toHaveLength(1);
      expect(SITES).toContain(served[0]);
      seen.set(`user-${k}`, served[0]!);
    }
    // Keys still spread by weight: every site gets some.
    expect(new Set(seen.values()).size).toBe(3);
  });

  for (const [listener, why] of [["none", "no table"], ["expired", "an expired table"], ["corrupt", "a corrupt table"]] as const) {
    it(`with ${why}, uses the default route and returns no 5xx`, async () => {
      const result = await load(listener, "api.example.com", { headers: { [ROUTING_HEADER]: "site-b" } });
      // The client's own routing header is stripped, so it cannot steer either.
      expect(result.byServedBy).toEqual({ [DEFAULT_CLUSTER]: REQUESTS });
    });
  }

  it("leaves requests for unknown services on the default route", async () => {
    const result = await load("weighted", "unknown.example.com", { count: 300 });
    expect(result.byServedBy).toEqual({ [DEFAULT_CLUSTER]: 300 });
  });

  it("reports its metrics in Envoy's stats and Prometheus output", async () => {
    // Each worker counts in its own memory and hands the counts to Envoy on its next tick.
    const routed = REQUESTS /* weighted */ + 300 /* host:port */ + REQUESTS /* drain */ + 150 * 20 /* sticky */;
    const expected = {
      decisions: routed,
      // The corrupt static table was rejected, so that listener had no table at all.
      "passthrough.no_table": REQUESTS * 2,
      "passthrough.table_expired": REQUESTS,
      "passthrough.unknown_service": 300,
    };
    let stats: Record<string, number> = {};
    const stat = (name: string): number => stats[`wasmcustom.solar_router.${name}`] ?? Number.NaN;
    const observed = () => ({
      decisions: SITES.reduce((n, site) => n + stat(`decisions.${site}`), 0),
      "passthrough.no_table": stat("passthrough.no_table"),
      "passthrough.table_expired": stat("passthrough.table_expired"),
      "passthrough.unknown_service": stat("passthrough.unknown_service"),
    });
    for (let waited = 0; waited <= 5_000; waited += 100) {
      stats = await envoy.stats();
      if (JSON.stringify(observed()) === JSON.stringify(expected)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(observed()).toEqual(expected);
    expect(stat("table.rejected.bad_checksum")).toBeGreaterThanOrEqual(1);
    expect(stat("table.version")).toBe(5);
    const prometheus = await envoy.prometheus();
    expect(prometheus).toMatch(/^solar_router_decisions_site_a\{?.*\}? \d+/m);
    expect(prometheus).toMatch(/^solar_router_table_rejected_bad_checksum\{?.*\}? \d+/m);
  });
});

describe("solar-router filter in Envoy, misconfigured", () => {
  it("is refused at configure time with one log line naming the field", async () => {
    const upstreams = await startUpstreams([DEFAULT_CLUSTER]);
    try {
      const start = startEnvoy(buildEnvoyConfig({
        upstreams: upstreams.addresses(),
        listeners: [{ name: "bad", wasm: { wasmPath: FILTER_WASM, rootId: "solar_router", pluginConfig: { tick_ms: 5 } } }],
      }), { concurrency: 2, readyTimeoutMs: 20_000 });
      const error = await start.then(() => null, (e: unknown) => String(e));
      expect(error).toMatch(/Envoy failed to start/);
      const lines = (error ?? "").split("\n").filter((l) => l.includes("invalid plugin configuration"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("field 'tick_ms': expected an integer from 50 to 60000, got 5");
    } finally {
      await upstreams.close();
    }
  });
});
