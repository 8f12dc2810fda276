// `npm run bench:filter`: the compiled filter in the test host against two baselines built with
// the same toolchain, over the whole per-request callback sequence (context create, request
// headers, and whatever else each module exports): the no-op filter, and the fixed-route filter
// that makes only the host calls any header-routing filter must make (read the authority, write
// the header). Prints ns/request and the ratios to both, measured in the same run, then the
// filter's Wasm memory growth over 1,000,000 requests after warm-up, then what a tick costs
// (bench/filter-tick.ts).
//
// Usage: npx tsx bench/filter.ts [--rounds 7] [--requests 200000] [--ticks 20000]
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeTable } from "../controller/table/encode.js";
import { ProxyWasmHost } from "../test/host/proxy-wasm-host.js";
import type { PreparedRequest } from "../test/host/fast-path.js";
import { tickCost } from "./filter-tick.js";

const ROOT = join(import.meta.dirname, "..");
const FILTER_WASM = join(ROOT, "build", "filter.wasm");
const NOOP_WASM = join(ROOT, "build", "noop.wasm");
const FIXED_ROUTE_WASM = join(ROOT, "build", "fixed-route.wasm");
const TARGET_RATIO = 1.5;
const MEMORY_REQUESTS = 1_000_000;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    requests: { type: "string", default: "200000" },
    ticks: { type: "string", default: "20000" },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const TICKS = Number(values.ticks);

interface Case {
  name: string;
  host: ProxyWasmHost;
  rootId: number;
  request: PreparedRequest;
}

const table = encodeTable({
  version: 1n,
  issuedAtMs: BigInt(Date.now()),
  ttlMs: 86_400_000,
  canaryBp: null,
  services: [
    { key: "api.example.com", upstreams: [
      { name: "site-a", weight: 50, canaryWeight: 0, draining: false },
      { name: "site-b", weight: 30, canaryWeight: 0, draining: false },
      { name: "site-c", weight: 20, canaryWeight: 0, draining: true },
    ] },
    ...Array.from({ length: 200 }, (_, i) => ({
      key: `svc-${i}.shop.svc.cluster.local`,
      upstreams: [{ name: "site-a", weight: 1, canaryWeight: 0, draining: false }],
    })),
  ],
});

const headers = (authority: string, extra: Array<[string, string]> = []): Array<[string, string]> => [
  [":method", "GET"], [":path", "/api/v1/cart"], [":scheme", "http"], [":authority", authority],
  ["user-agent", "wrk/4.1"], ["accept", "*/*"], ["x-request-id", "6f1c0b2e-3c1d-4f4e-9a57-8f3c5d2f4b11"], ...extra,
];

async function start(wasm: string, config: object, requestHeaders: Array<[string, string]>, name: string): Promise<Case> {
  const host = await ProxyWasmHost.load(wasm);
  const { rootId, configured } = host.startPlugin({ pluginConfig: JSON.stringify(config) });
  if (!configured) throw new Error(`${name}: plugin refused its configuration: ${host.logs.map((l) => l.message).join("; ")}`);
  return { name, host, rootId, request: host.prepareRequest(requestHeaders) };
}

function nsPerRequest(c: Case, n: number): number {
  const start = process.hrtime.bigint();
  const result = c.host.runPreparedRequests(c.rootId, c.request, n);
  const elapsed = Number(process.hrtime.bigint() - start);
  if (result.continued !== n) throw new Error(`${c.name}: ${n - result.continued} requests were stopped`);
  return elapsed / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  for (const wasm of [FILTER_WASM, NOOP_WASM, FIXED_ROUTE_WASM]) {
    if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build:filter`);
  }
  const static_table = Buffer.from(table).toString("base64");
  const noop = await start(NOOP_WASM, {}, headers("api.example.com"), "no-op filter");
  const fixedRoute = await start(FIXED_ROUTE_WASM, {}, headers("api.example.com"), "fixed-route filter (ABI floor)");
  const cases = [
    noop,
    fixedRoute,
    await start(FILTER_WASM, { static_table }, headers("api.example.com"), "weighted choice"),
    await start(FILTER_WASM, { static_table, sticky_header: "x-user" }, headers("api.example.com", [["x-user", "user-1234567"]]), "sticky key"),
    await start(FILTER_WASM, { static_table }, headers("unknown.example.com"), "pass-through (unknown service)"),
  ];
  // Decisions must really happen, or the figures mean nothing.
  const probe = cases[2]!.host.httpRequest(cases[2]!.rootId, { requestHeaders: headers("api.example.com") });
  if (!probe.requestHeaders.some(([k, v]) => k === "x-solar-upstream" && v.startsWith("site-"))) {
    throw new Error("the filter did not route the benchmark request");
  }

  for (const c of cases) nsPerRequest(c, REQUESTS); // warm-up: JIT tiers, caches
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no case always runs first.
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]!;
      samples.get(c.name)!.push(nsPerRequest(c, REQUESTS));
    }
  }

  const base = median(samples.get(noop.name)!);
  const floor = median(samples.get(fixedRoute.name)!);
  console.log(`bench:filter — compiled Wasm in the test host, ${ROUNDS} rounds × ${REQUESTS.toLocaleString("en")} requests, median`);
  console.log(`${"case".padEnd(32)} ${"ns/request".padStart(11)} ${"vs no-op".padStart(9)} ${"vs fixed-route".padStart(15)}`);
  let worst = 0;
  let worstVsFloor = 0;
  for (const c of cases) {
    const ns = median(samples.get(c.name)!);
    if (c !== noop && c !== fixedRoute) {
      worst = Math.max(worst, ns / base);
      worstVsFloor = Math.max(worstVsFloor, ns / floor);
    }
    console.log(`${c.name.padEnd(32)} ${ns.toFixed(1).padStart(11)} ${(ns / base).toFixed(2).padStart(8)}× ${(ns / floor).toFixed(2).padStart(14)}×`);
  }
  console.log(`our filter vs no-op: worst ${worst.toFixed(2)}× (target ≤ ${TARGET_RATIO}×: ${worst <= TARGET_RATIO ? "met" : "NOT met"})`);
  console.log(`our filter vs fixed-route (same host calls, no decision): worst ${worstVsFloor.toFixed(2)}×`);
  console.log(`the host calls alone (fixed-route vs no-op): ${(floor / base).toFixed(2)}×`);
  console.log(`\nWasm memory over ${MEMORY_REQUESTS.toLocaleString("en")} requests after warm-up (target: 0 bytes of growth)`);
  for (const c of cases.slice(2)) {
    // A tick between batches hands over the request counters, as Envoy's timer would.
    const before = c.host.memoryBytes();
    for (let done = 0; done < MEMORY_REQUESTS; done += 100_000) {
      c.host.runPreparedRequests(c.rootId, c.request, 100_000);
      c.host.tick(c.rootId);
    }
    const growth = c.host.memoryBytes() - before;
    console.log(`${c.name.padEnd(32)} ${before.toLocaleString("en").padStart(11)} → ${c.host.memoryBytes().toLocaleString("en")} bytes, growth ${growth} bytes`);
  }
  await tickCost(FILTER_WASM, ROUNDS, TICKS);
}

await main();
