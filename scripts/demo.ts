// `npm run demo`: the whole loop on one machine. The controller runs on its embedded defaults
// (three sites: San Francisco, Berlin, Sydney); a simulator feeds it each site's PV output from
// the real Solcast traces, a day in a minute, through the energy API; a real Envoy with the filter
// polls the controller for tables; a bounded load generator sends requests through Envoy to one
// loopback upstream per site. Every simulated hour it prints the sun at each site and where the
// traffic went.
//
// Usage: npx tsx scripts/demo.ts [--hours 24] [--seconds-per-hour 2.5]
import { parseArgs } from "node:util";
import { loadConfig } from "../controller/config/load.js";
import { DEFAULT_CLUSTER } from "../test/envoy/harness.js";
import { startRoutingStack } from "../test/support/routing-stack.js";
import { RoutingProbe } from "../test/support/routing-probe.js";
import { carbonTrace, pvTrace, type Sample } from "../test/support/traces.js";

const { values } = parseArgs({
  options: { hours: { type: "string", default: "24" }, "seconds-per-hour": { type: "string", default: "2.5" } },
});
const HOURS = Math.min(72, Math.max(1, Number(values.hours)));
const SECONDS_PER_HOUR = Math.min(60, Math.max(0.5, Number(values["seconds-per-hour"])));
const SERVICE = "shop.example.com";
/** Simulated time starts at midnight UTC on the first day of the bundled trace slice. */
const SIM_START = Date.UTC(2022, 5, 13, 0, 0);
const STEP_MS = 5 * 60_000;

const CITY: Record<string, string> = { "san-francisco": "San Francisco", berlin: "Berlin", sydney: "Sydney" };

function at(series: readonly Sample[], atMs: number): number {
  let best = series[0]!;
  for (const s of series) if (s.atMs <= atMs) best = s;
  return best.value;
}

async function main(): Promise<void> {
  const config = await loadConfig(undefined);
  const pv = new Map(config.sites.map((s) => [s.name, pvTrace(CITY[s.name]!)]));
  const sfCarbon = carbonTrace("US-CAL-CISO");
  const upstreamOf = config.services.find((s) => s.key === SERVICE)!.upstreams;
  const stack = await startRoutingStack({ upstreams: Object.values(upstreamOf) });
  const { controller, envoy } = stack;
  const probe = new RoutingProbe(envoy.listenerUrl("ingress"), SERVICE, 4, (HOURS * SECONDS_PER_HOUR + 30) * 1_000);

  const feed = async (simMs: number): Promise<void> => {
    const now = Date.now();
    const readings = config.sites.map((site) => {
      const trace = pv.get(site.name)!;
      return {
        site: site.name,
        timestamp: now,
        pv_watts: at(trace, simMs) * site.pvPeakWatts,
        // The planner sees the next hour of the trace as the site's own forecast.
        forecast: Array.from({ length: 12 }, (_, k) => ({
          timestamp: now + (k + 1) * STEP_MS,
          pv_watts: at(trace, simMs + (k + 1) * STEP_MS) * site.pvPeakWatts,
        })),
        ...(site.name === "san-francisco" ? { grid_carbon_g_per_kwh: at(sfCarbon, simMs) } : {}),
      };
    });
    const res = await fetch(`${controller.url}/v1/energy`, {
      method: "POST", headers: { "content-type": "application/json", ...controller.writerHeaders() }, body: JSON.stringify({ readings }),
    });
    if (res.status !== 200) throw new Error(`energy API answered ${res.status}: ${await res.text()}`);
  };

  const pct = (n: number, total: number) => `${((100 * n) / Math.max(1, total)).toFixed(0).padStart(3)}%`;
  try {
    console.log(`controller ${controller.url} (gRPC ${controller.grpcPort}), Envoy ${envoy.listenerUrl("ingress")}, ` +
      `${HOURS} simulated hours at ${SECONDS_PER_HOUR} s each\n`);
    // First readings, then wait for the first table to reach Envoy before the clock starts.
    await feed(SIM_START);
    await probe.waitUntil((served) => served !== DEFAULT_CLUSTER, 0.99, 15_000, 50);
    console.log(`${"simulated UTC".padEnd(17)} | ${"PV (share of peak)".padEnd(30)} | traffic to ${SERVICE}`);
    const totals: Record<string, number> = {};
    for (let hour = 0; hour < HOURS; hour++) {
      const simHour = SIM_START + hour * 3_600_000;
      const started = performance.now();
      // Readings every simulated 15 minutes, so the controller sees the sun move within the hour.
      for (let quarter = 0; quarter < 4; quarter++) {
        await feed(simHour + quarter * 15 * 60_000);
        await new Promise((r) => setTimeout(r, (SECONDS_PER_HOUR * 1_000) / 4));
      }
      const counts = probe.countsBetween(started, performance.now());
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      for (const [k, v] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + v;
      const sun = config.sites.map((s) => `${s.name.slice(0, 3)} ${at(pv.get(s.name)!, simHour + 30 * 60_000).toFixed(2)}`).join("  ");
      const traffic = config.sites.map((s) => `${s.name} ${pct(counts[upstreamOf[s.name]!] ?? 0, total)}`).join("  ");
      console.log(`${new Date(simHour).toISOString().slice(0, 16).replace("T", " ")} | ${sun.padEnd(30)} | ${traffic}` +
        `  default ${pct(counts[DEFAULT_CLUSTER] ?? 0, total)}  (${total} requests)`);
    }
    const all = Object.values(totals).reduce((a, b) => a + b, 0);
    console.log(`\n${all} requests, ${probe.fiveXx} answered 5xx, ${probe.errors} failed`);
  } finally {
    await probe.stop();
    await stack.stop();
  }
}

await main();
