import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  ROUTING_HEADER,
  buildEnvoyConfig,
  resolveEnvoyBinary,
  sendRequests,
  startEnvoy,
  startUpstreams,
  type EnvoyHandle,
  type Upstreams,
} from "./harness.js";

const NOOP_WASM = join(REPO_ROOT, "build", "noop.wasm");
const NOOP_BUILD_COMMAND =
  "npm run build:filter";

// No skip path: a missing Envoy or module fails every test here (not just the hook, which vitest
// would report as "skipped" tests) with the command that fixes it.
describe("Envoy harness (real Envoy, no-op Wasm filter)", () => {
  let upstreams: Upstreams | undefined;
  let envoy: EnvoyHandle | undefined;
  let setupError: unknown;

  const setup = () => {
    if (setupError) throw setupError;
    return { envoy: envoy!, upstreams: upstreams! };
  };

  beforeAll(async () => {
    try {
      await start();
    } catch (err) {
      setupError = err;
    }
  });

  async function start(): Promise<void> {
    const binary = resolveEnvoyBinary();
    if (!existsSync(NOOP_WASM)) throw new Error(`${NOOP_WASM} is missing; build it with: ${NOOP_BUILD_COMMAND}`);
    upstreams = await startUpstreams(["a", "b", "default"]);
    envoy = await startEnvoy(
      buildEnvoyConfig({
        upstreams: upstreams.addresses(),
        listeners: [
          { name: "with_wasm", wasm: { wasmPath: NOOP_WASM, rootId: "noop", pluginConfig: "{}" } },
          { name: "no_wasm" },
          // bench:envoy's scenario e): Envoy's own 75/25 split, no Wasm.
          { name: "weighted", weightedClusters: { a: 3, b: 1 } },
        ],
      }),
      { binary, concurrency: 2, logLevel: "info" },
    );
  }

  afterAll(async () => {
    await envoy?.stop();
    await upstreams?.close();
  });

  it("binds every listener on a discovered loopback port", () => {
    const { envoy } = setup();
    expect(Object.keys(envoy.listenerPorts).sort()).toEqual(["no_wasm", "weighted", "with_wasm"]);
    expect(envoy.listenerUrl("with_wasm")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(["with_wasm", "no_wasm"])("%s: x-solar-upstream: b reaches upstream b", async (listener) => {
    const { envoy, upstreams } = setup();
    const before = upstreams.counts();
    const res = await sendRequests(envoy.listenerUrl(listener), {
      count: 40,
      concurrency: 4,
      headers: { [ROUTING_HEADER]: "b" },
    });
    expect(res.errorSamples).toEqual([]);
    expect(res.byStatus).toEqual({ "200": 40 });
    expect(res.byServedBy).toEqual({ b: 40 });
    expect(upstreams.counts().b! - before.b!).toBe(40);
  });

  it.each(["with_wasm", "no_wasm"])("%s: no routing header reaches default", async (listener) => {
    const { envoy } = setup();
    const res = await sendRequests(envoy.listenerUrl(listener), { count: 40, concurrency: 4 });
    expect(res.errorSamples).toEqual([]);
    expect(res.byStatus).toEqual({ "200": 40 });
    expect(res.byServedBy).toEqual({ default: 40 });
  });

  it("weighted: weighted_clusters 3:1 sends about 75 % to a and 25 % to b, none to default", async () => {
    const { envoy, upstreams } = setup();
    const before = upstreams.counts();
    const n = 1_000;
    const res = await sendRequests(envoy.listenerUrl("weighted"), { count: n, concurrency: 8 });
    expect(res.errorSamples).toEqual([]);
    expect(res.byStatus).toEqual({ "200": n });
    expect(Object.keys(res.byServedBy).sort()).toEqual(["a", "b"]);
    // Binomial(1000, 0.75): sd ≈ 13.7, so 750 ± 68 is five sd.
    expect(res.byServedBy.a).toBeGreaterThanOrEqual(682);
    expect(res.byServedBy.a).toBeLessThanOrEqual(818);
    expect(upstreams.counts().a! - before.a! + upstreams.counts().b! - before.b!).toBe(n);
  });

  it("unknown upstream name falls through to default", async () => {
    const { envoy } = setup();
    const res = await sendRequests(envoy.listenerUrl("with_wasm"), {
      count: 5,
      headers: { [ROUTING_HEADER]: "nope" },
      hostHeader: "example.test",
    });
    expect(res.byServedBy).toEqual({ default: 5 });
  });

  it("stats show the Wasm filter loaded in V8 and zero 5xx", async () => {
    const { envoy } = setup();
    const stats = await envoy.stats();
    // One VM per worker (concurrency 2) plus the main-thread and base VMs.
    expect(stats["wasm.envoy.wasm.runtime.v8.active"]).toBeGreaterThanOrEqual(3);
    expect(stats["wasm.wasm_vm_count"]).toBeGreaterThanOrEqual(3);
    expect(stats["wasm.noop.vm_reload_failure"]).toBe(0);
    expect(stats["http.with_wasm.downstream_rq_2xx"]).toBeGreaterThanOrEqual(85);
    expect(stats["http.no_wasm.downstream_rq_2xx"]).toBeGreaterThanOrEqual(80);
    const fiveXx = Object.entries(stats).filter(([name, value]) => /(rq_5xx|upstream_rq_503)$/.test(name) && value > 0);
    expect(fiveXx).toEqual([]);
    expect(await envoy.prometheus()).toMatch(/^envoy_wasm_envoy_wasm_runtime_v8_active\{\} \d+$/m);
  });

  it("a broken config fails fast with Envoy's log in the error, and leaves no process", async () => {
    setup();
    const attempt = startEnvoy(
      buildEnvoyConfig({
        upstreams: { default: { port: 1 } },
        listeners: [{ name: "bad", wasm: { wasmPath: join(REPO_ROOT, "build", "missing.wasm"), rootId: "x" } }],
      }),
      { readyTimeoutMs: 20_000 },
    );
    await expect(attempt).rejects.toThrow(/Envoy failed to start: process exited[\s\S]*Envoy log \(tail\)[\s\S]*missing\.wasm/);
  });

  it("stop() terminates Envoy", async () => {
    const { envoy: running } = setup();
    await running.stop();
    expect(() => process.kill(running.pid, 0)).toThrow();
  });
});
