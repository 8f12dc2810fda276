// `npm run demo`: a real Envoy with the filter, three loopback "sites" and a default upstream.
// The embedded table sends most traffic to the sunniest site, keeps a draining site idle, and
// the demo prints where each batch of requests went next to what the table asked for.
import { join } from "node:path";
import { encodeTable } from "../controller/table/encode.js";
import type { WeightTable } from "../controller/table/weight-table.js";
import {
  DEFAULT_CLUSTER, REPO_ROOT, buildEnvoyConfig, sendRequests, startEnvoy, startUpstreams,
} from "../test/envoy/harness.js";

const SITES = ["solar-valley", "wind-ridge", "grid-city"];
const BATCHES = 3;
const BATCH_SIZE = 2000;

const table: WeightTable = {
  version: 1n,
  issuedAtMs: BigInt(Date.now()),
  ttlMs: 10 * 60_000,
  canaryBp: null,
  services: [
    { key: "shop.example.com", upstreams: [
      { name: "solar-valley", weight: 70, canaryWeight: 0, draining: false },
      { name: "wind-ridge", weight: 25, canaryWeight: 0, draining: false },
      { name: "grid-city", weight: 5, canaryWeight: 0, draining: false },
    ] },
    { key: "search.example.com", upstreams: [
      { name: "solar-valley", weight: 1, canaryWeight: 0, draining: true },
      { name: "wind-ridge", weight: 1, canaryWeight: 0, draining: false },
      { name: "grid-city", weight: 1, canaryWeight: 0, draining: false },
    ] },
  ],
};

async function main(): Promise<void> {
  const upstreams = await startUpstreams([...SITES, DEFAULT_CLUSTER]);
  const envoy = await startEnvoy(buildEnvoyConfig({
    upstreams: upstreams.addresses(),
    listeners: [{
      name: "ingress",
      wasm: {
        wasmPath: join(REPO_ROOT, "build", "filter.wasm"),
        rootId: "solar_router",
        pluginConfig: { static_table: Buffer.from(encodeTable(table)).toString("base64") },
      },
    }],
  }), { concurrency: 2 });
  try {
    console.log(`Envoy ${envoy.pid} listening on ${envoy.listenerUrl("ingress")}, admin ${envoy.adminUrl}\n`);
    for (const service of [...table.services.map((s) => s.key), "unknown.example.com"]) {
      const planned = table.services.find((s) => s.key === service);
      const total = planned?.upstreams.reduce((n, u) => n + (u.draining ? 0 : u.weight), 0) ?? 0;
      console.log(`${service}`);
      for (let batch = 1; batch <= BATCHES; batch++) {
        const result = await sendRequests(envoy.listenerUrl("ingress"), {
          count: BATCH_SIZE, concurrency: 16, hostHeader: service, deadlineMs: 30_000,
        });
        const cells = [...SITES, DEFAULT_CLUSTER].map((site) => {
          const got = (((result.byServedBy[site] ?? 0) / result.sent) * 100).toFixed(1).padStart(5);
          const upstream = planned?.upstreams.find((u) => u.name === site);
          const want = upstream ? ((upstream.draining ? 0 : upstream.weight) / total) * 100 : site === DEFAULT_CLUSTER && !planned ? 100 : 0;
          return `${site} ${got}% (table ${want.toFixed(0)}%)`;
        });
        const fiveXx = Object.entries(result.byStatus).filter(([s]) => s.startsWith("5")).reduce((n, [, c]) => n + c, 0);
        console.log(`  batch ${batch}: ${cells.join("  ")}  5xx ${fiveXx}  errors ${result.errors}`);
      }
    }
    const stats = await envoy.stats();
    console.log("\nfilter metrics (Envoy /stats):");
    for (const [name, value] of Object.entries(stats).filter(([n]) => n.startsWith("wasmcustom.")).sort()) {
      if (value !== 0) console.log(`  ${name} ${value}`);
    }
  } finally {
    await envoy.stop();
    await upstreams.close();
  }
}

await main();
