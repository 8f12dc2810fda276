// Envoy + Wasm overhead benchmark: (a) no Wasm filter, (b) no-op Wasm filter, (c) the real filter,
// (d) a fixed-route Wasm filter, (e) Envoy's own weighted_clusters at the filter's 75/25 split.
//
// Usage: npx tsx bench/envoy.ts [--plugin-config '<json>'] [--duration 10s] [--connections 32]
//          [--threads 1] [--rounds 3] [--warmup 3s] [--upstreams a,b,default] [--header 'k: v']... [--no-pin]
//
// Expects build/noop.wasm and build/filter.wasm; builds nothing. By default the filter routes
// every request by a static table (service bench.solar.local → a 75 %, b 25 %), so scenario (c)
// measures the full decision path, not a pass-through. Scenario (e) is what users would pick
// instead of us for a fixed split: no Wasm, the route's weighted_clusters a 3 : b 1 (fixed; a
// --plugin-config with another split does not change it).
//
// Layout: one front Envoy (concurrency 2) with a listener per scenario, so all of them share the
// process, settings, routes and upstream connections. The upstream is a second Envoy
// answering with direct_response: a Node http server would saturate one core of this 2-core box
// long before the proxy does and we would be benchmarking Node. A "ceiling" run against the
// upstream alone shows its headroom. Scenarios run interleaved (order rotated each round) and
// the median per scenario is reported, so machine noise hits all three alike.
//
// CPU pinning (default; --no-pin to disable): the front Envoy gets its own CPU(s), wrk and the
// upstream share the rest. Unpinned, the three compete for both cores and per-round RPS varied
// by up to ~20% on a 2-core box; pinned, by a few %. With 2 CPUs the front's two workers share one
// core; that costs every scenario alike.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_CLUSTER,
  REPO_ROOT,
  buildDirectResponseConfig,
  buildEnvoyConfig,
  killAllEnvoys,
  resolveEnvoyBinary,
  sendRequests,
  startEnvoy,
  type EnvoyHandle,
} from "../test/envoy/harness.js";
import { ensureWrk, killWrk, runWrk, type WrkResult } from "./wrk.js";
import { cpuPlan, parseEnvoyBenchArgs } from "./envoy-options.js";

const NOOP_WASM = join(REPO_ROOT, "build", "noop.wasm");
const FILTER_WASM = join(REPO_ROOT, "build", "filter.wasm");
const FIXED_ROUTE_WASM = join(REPO_ROOT, "build", "fixed-route.wasm");
const FILTER_ROOT_ID = "solar_router";

type ScenarioId = "a" | "b" | "c" | "d" | "e";
interface Scenario {
  id: ScenarioId;
  listener: string;
  label: string;
}
const SCENARIOS: Scenario[] = [
  { id: "a", listener: "no_wasm", label: "a) no Wasm filter" },
  { id: "b", listener: "noop_wasm", label: "b) no-op Wasm filter" },
  { id: "c", listener: "solar_router", label: "c) solar_router filter" },
  // Reads the authority and writes a fixed routing header: the host calls and route re-match
  // any header-routing filter costs, without our decision.
  { id: "d", listener: "fixed_route", label: "d) fixed-route Wasm filter" },
  // What users would run instead of us for a fixed split: Envoy's own weighted choice, no Wasm.
  { id: "e", listener: "weighted_clusters", label: "e) Envoy weighted_clusters 75/25" },
];
/** Scenario e)'s split: the default table's a 3 : b 1. */
const NATIVE_SPLIT = { a: 3, b: 1 };

interface RunRecord {
  wrk: WrkResult;
  fiveXx: number;
  servedBy: Record<string, number>;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function delta(after: Record<string, number>, before: Record<string, number>, name: string): number {
  return (after[name] ?? 0) - (before[name] ?? 0);
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const opts = parseEnvoyBenchArgs();
  for (const [path, hint] of [
    [NOOP_WASM, "npm run build:filter"],
    [FILTER_WASM, "npm run build:filter"],
    [FIXED_ROUTE_WASM, "npm run build:filter"],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  }
  const envoyBin = resolveEnvoyBinary();
  ensureWrk(REPO_ROOT);

  const cpus = cpuPlan(opts.pin);

  const envoys: EnvoyHandle[] = [];
  const cleanup = async () => {
    await Promise.allSettled(envoys.map((e) => e.stop()));
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killWrk();
      killAllEnvoys();
      process.exit(130);
    });
  }

  try {
    const upstream = await startEnvoy(buildDirectResponseConfig(opts.upstreams), {
      binary: envoyBin,
      concurrency: cpus.others ? Math.max(1, cpus.others.split(",").length - 1) : 2,
      cpuSet: cpus.others,
    });
    envoys.push(upstream);
    const front = await startEnvoy(
      buildEnvoyConfig({
        upstreams: Object.fromEntries(opts.upstreams.map((n) => [n, { port: upstream.listenerPorts[n]! }])),
        listeners: [
          { name: "no_wasm" },
          { name: "noop_wasm", wasm: { wasmPath: NOOP_WASM, rootId: "noop", pluginConfig: "{}" } },
          { name: "solar_router", wasm: { wasmPath: FILTER_WASM, rootId: FILTER_ROOT_ID, pluginConfig: opts.pluginConfig } },
          { name: "fixed_route", wasm: { wasmPath: FIXED_ROUTE_WASM, rootId: "fixed_route", pluginConfig: "" } },
          { name: "weighted_clusters", weightedClusters: NATIVE_SPLIT },
        ],
      }),
      { binary: envoyBin, concurrency: 2, cpuSet: cpus.front },
    );
    envoys.push(front);

    const extraHeaders = Object.fromEntries(
      opts.headers.map((h) => {
        const i = h.indexOf(":");
        if (i < 1) throw new Error(`--header must be 'name: value' (got ${JSON.stringify(h)})`);
        return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
      }),
    );

    // Smoke check through every scenario before measuring anything.
    for (const s of SCENARIOS) {
      const res = await sendRequests(front.listenerUrl(s.listener), { count: 20, concurrency: 2, headers: extraHeaders });
      if (res.errors || Object.keys(res.byStatus).some((code) => code !== "200")) {
        throw new Error(
          `${s.label}: smoke requests failed: ${JSON.stringify({ status: res.byStatus, errors: res.errorSamples })}\n` +
            front.logs().split("\n").slice(-30).join("\n"),
        );
      }
      console.error(`smoke ${s.label}: served by ${JSON.stringify(res.byServedBy)}`);
    }

    const wrkBase = {
      threads: opts.threads,
      connections: opts.connections,
      headers: opts.headers,
      cpuSet: cpus.others,
    };
    console.error(
      `wrk -t${opts.threads} -c${opts.connections} -d${opts.durationSec}s --latency; ` +
        `${opts.rounds} rounds; warm-up ${opts.warmupSec}s per scenario; ${cpus.description}`,
    );

    const ceiling = await runWrk({ ...wrkBase, url: upstream.listenerUrl(DEFAULT_CLUSTER), durationSec: opts.durationSec });
    console.error(`upstream ceiling (wrk → upstream Envoy directly): ${fmt(ceiling.rps, 0)} rps`);

    if (opts.warmupSec > 0) {
      for (const s of SCENARIOS) {
        await runWrk({ ...wrkBase, url: front.listenerUrl(s.listener), durationSec: opts.warmupSec });
      }
    }

    const runs: Record<ScenarioId, RunRecord[]> = { a: [], b: [], c: [], d: [], e: [] };
    for (let round = 0; round < opts.rounds; round++) {
      // Rotate the order so no scenario always runs first/last in a round.
      const order = SCENARIOS.map((_, i) => SCENARIOS[(i + round) % SCENARIOS.length]!);
      for (const s of order) {
        const [frontBefore, upBefore] = await Promise.all([front.stats(), upstream.stats()]);
        const wrk = await runWrk({ ...wrkBase, url: front.listenerUrl(s.listener), durationSec: opts.durationSec });
        const [frontAfter, upAfter] = await Promise.all([front.stats(), upstream.stats()]);
        const servedBy = Object.fromEntries(
          opts.upstreams.map((n) => [n, delta(upAfter, upBefore, `http.${n}.downstream_rq_completed`)]),
        );
        const fiveXx = delta(frontAfter, frontBefore, `http.${s.listener}.downstream_rq_5xx`);
        runs[s.id].push({ wrk, fiveXx, servedBy });
        console.error(
          `round ${round + 1} ${s.label}: ${fmt(wrk.rps, 0)} rps, p50 ${fmt(wrk.p50Ms, 3)} ms, ` +
            `p99 ${fmt(wrk.p99Ms, 3)} ms, 5xx ${fiveXx}, non-2xx ${wrk.non2xx}`,
        );
      }
    }

    const summary = Object.fromEntries(
      SCENARIOS.map((s) => {
        const r = runs[s.id];
        return [
          s.id,
          {
            rps: median(r.map((x) => x.wrk.rps)),
            p50: median(r.map((x) => x.wrk.p50Ms)),
            p99: median(r.map((x) => x.wrk.p99Ms)),
            rpsRounds: r.map((x) => fmt(x.wrk.rps, 0)).join("/"),
            fiveXx: r.reduce((n, x) => n + x.fiveXx, 0),
            non2xx: r.reduce((n, x) => n + x.wrk.non2xx, 0),
            sockErr: r.reduce((n, x) => n + Object.values(x.wrk.socketErrors).reduce((p, q) => p + q, 0), 0),
            servedBy: r.reduce<Record<string, number>>((acc, x) => {
              for (const [k, v] of Object.entries(x.servedBy)) acc[k] = (acc[k] ?? 0) + v;
              return acc;
            }, {}),
          },
        ];
      }),
    ) as Record<ScenarioId, { rps: number; p50: number; p99: number; rpsRounds: string; fiveXx: number; non2xx: number; sockErr: number; servedBy: Record<string, number> }>;

    const share = (m: Record<string, number>) => {
      const total = Object.values(m).reduce((p, q) => p + q, 0) || 1;
      return Object.entries(m)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`)
        .join(", ");
    };

    console.log(
      `\nEnvoy front concurrency 2, wrk -t${opts.threads} -c${opts.connections} -d${opts.durationSec}s, ` +
        `median of ${opts.rounds} rounds, ${cpus.description}`,
    );
    console.log(`upstream ceiling: ${fmt(ceiling.rps, 0)} rps (p99 ${fmt(ceiling.p99Ms, 3)} ms)\n`);
    console.log(
      table([
        ["scenario", "RPS", "p50 ms", "p99 ms", "RPS per round", "5xx", "non-2xx", "sock err", "upstream share"],
        ...SCENARIOS.map((s) => {
          const x = summary[s.id];
          return [s.label, fmt(x.rps, 0), fmt(x.p50, 3), fmt(x.p99, 3), x.rpsRounds, String(x.fiveXx), String(x.non2xx), String(x.sockErr), share(x.servedBy)];
        }),
      ]),
    );
    const { a, b, c, d, e } = summary;
    console.log(
      "\n" +
        table([
          ["ratio", "RPS", "p99"],
          ["c/a", fmt(c.rps / a.rps, 3), fmt(c.p99 / a.p99, 3)],
          ["c/b", fmt(c.rps / b.rps, 3), fmt(c.p99 / b.p99, 3)],
          ["b/a", fmt(b.rps / a.rps, 3), fmt(b.p99 / a.p99, 3)],
          ["d/a", fmt(d.rps / a.rps, 3), fmt(d.p99 / a.p99, 3)],
          ["c/d", fmt(c.rps / d.rps, 3), fmt(c.p99 / d.p99, 3)],
          ["c/e", fmt(c.rps / e.rps, 3), fmt(c.p99 / e.p99, 3)],
          ["e/a", fmt(e.rps / a.rps, 3), fmt(e.p99 / a.p99, 3)],
        ]),
    );
    if ([a, b, c, d, e].some((x) => x.fiveXx + x.non2xx > 0)) {
      console.log("\nWARNING: some responses were not 2xx; figures above are not comparable.");
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:envoy failed: ${err instanceof Error ? err.message : String(err)}`);
  killWrk();
  killAllEnvoys();
  process.exit(1);
});
