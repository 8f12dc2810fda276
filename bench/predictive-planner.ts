// Planning time of the predictive planner at 10 sites × 5 services × 24 steps: ~200 cycles of
// random but plausible inputs (PV with forecasts, batteries, carbon and demand forecasts, client
// regions with SLOs, an off-grid site), each planned against the previous cycle's plan. Prints
// p50/p99 of the whole plan() call and of the solver alone, the program's size and the fallbacks:
// for the first cycles after loading, then with the default time budget (what a controller
// sees) and with a budget no solve reaches (how long the solves really take).
//   npx tsx bench/predictive-planner.ts [cycles] [seed] [planner options as JSON]
import type { Plan } from "../controller/plan/plan.js";
import { loadPlanSolver, type LinearProgram, type PlanSolver } from "../controller/plan/predictive/plan-solver.js";
import { createPredictivePlanner } from "../controller/plan/predictive/predictive-planner.js";
import type { ClientRegion, PlanInput, ServiceDemand, SiteState } from "../controller/plan/site-state.js";

const SITES = 10;
const SERVICES = 5;
const STEPS = 24;
const cycles = Number(process.argv[2] ?? 200);
let seed = Number(process.argv[3] ?? 1) >>> 0;
const extra = JSON.parse(process.argv[4] ?? "{}") as Record<string, unknown>;

/** mulberry32: the same seed gives the same inputs on every run. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const sitesFixed = Array.from({ length: SITES }, (_, i) => ({
  site: `site-${i}`,
  capacityRps: 200 + 100 * Math.floor(random() * 4),
  wattsPerRps: 1 + random() * 3,
  baseLoadWatts: 100 + random() * 200,
  pvPeakWatts: random() < 0.3 ? 0 : 1000 + random() * 3000,
  batteryWh: random() < 0.4 ? 0 : 500 + random() * 2000,
  carbonBase: 50 + random() * 500,
  phase: random() * 24,
  offGrid: i === SITES - 1,
}));
const regions: ClientRegion[] = ["us", "eu", "ap"].map((region, r) => ({
  region,
  share: [0.5, 0.3, 0.2][r]!,
  latencyMs: Object.fromEntries(sitesFixed.map((s, i) => [s.site, 10 + ((i * 37 + r * 53) % 180)])),
}));
const soc = sitesFixed.map(() => 0.3 + random() * 0.6);

function pvAt(i: number, hour: number): number {
  const s = sitesFixed[i]!;
  const h = (hour + s.phase) % 24;
  return h < 6 || h > 18 ? 0 : s.pvPeakWatts * Math.sin(((h - 6) / 12) * Math.PI) * (0.7 + 0.3 * random());
}

function inputAt(cycle: number): PlanInput {
  const hour = (cycle * 5) / 60;
  const sites: SiteState[] = sitesFixed.map((s, i) => ({
    site: s.site,
    health: random() < 0.02 ? "draining" : "healthy",
    capacityRps: s.capacityRps,
    wattsPerRps: s.wattsPerRps,
    baseLoadWatts: s.baseLoadWatts,
    pvNowWatts: pvAt(i, hour),
    pvForecastWatts: Array.from({ length: STEPS - 1 }, (_, k) => pvAt(i, hour + (k + 1) / 12)),
    batteryWh: s.batteryWh,
    batterySoc: soc[i]!,
    gridCarbonGPerKwh: s.carbonBase,
    gridCarbonForecastGPerKwh: Array.from({ length: STEPS - 1 }, (_, k) => s.carbonBase * (1 + 0.3 * Math.sin((hour + k / 12) / 3))),
    latencyP95Ms: 50 + random() * 100,
    loadRps: 0,
    batteryChargeWatts: 1500,
    batteryDischargeWatts: 1500,
    batteryEfficiency: 0.9,
    offGrid: s.offGrid,
  }));
  const services: ServiceDemand[] = Array.from({ length: SERVICES }, (_, k) => {
    const demandRps = 150 + 100 * Math.sin(hour / 4 + k) + random() * 50;
    return {
      service: `svc-${k}`,
      demandRps,
      demandForecastRps: Array.from({ length: STEPS - 1 }, (_, j) => demandRps * (1 + 0.05 * Math.sin(j / 6))),
      ...(k % 2 === 0 ? { latencySloMs: 150 } : {}),
      upstreams: sitesFixed.map((s) => ({ site: s.site, upstream: `svc-${k}-${s.site}` })),
    };
  });
  return { nowMs: Date.UTC(2024, 5, 1) + cycle * 300_000, sites, services, clientRegions: regions };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const highs = await loadPlanSolver();
const WARM_UP = 60;
const inputs = Array.from({ length: cycles + WARM_UP }, (_, c) => inputAt(c));
console.log(`predictive planner, ${SITES} sites × ${SERVICES} services × ${STEPS} steps, ${cycles} cycles, options ${JSON.stringify(extra)}`);
const fmt = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
};

/** Plans `count` cycles from `from` with one planner; times the plan() calls and the solves. */
function run(label: string, from: number, count: number, budget: number | undefined): void {
  const solverMs: number[] = [];
  let size: LinearProgram | null = null;
  const timed: PlanSolver = {
    solve(lp, limit) {
      size = lp;
      const t = performance.now();
      const r = highs.solve(lp, limit);
      solverMs.push(performance.now() - t);
      return r;
    },
  };
  const planner = createPredictivePlanner({ horizonSteps: STEPS, ...extra, ...(budget === undefined ? {} : { timeBudgetMs: budget }) }, timed);
  let previous: Plan | null = null;
  const planMs: number[] = [];
  const fallbacks = new Map<string, number>();
  for (let c = from; c < from + count; c++) {
    const t = performance.now();
    const plan: Plan = planner.plan(inputs[c]!, previous);
    planMs.push(performance.now() - t);
    if (plan.fallback !== null) fallbacks.set(plan.fallback.reason, (fallbacks.get(plan.fallback.reason) ?? 0) + 1);
    previous = plan;
  }
  const lp = size as LinearProgram | null;
  console.log(`${label}, time budget ${planner.options.timeBudgetMs} ms: program ${lp?.numCols} columns, ${lp?.numRows} rows, ${lp?.values.length} nonzeros`);
  console.log(`  plan():  ${fmt(planMs)}`);
  console.log(`  solver:  ${fmt(solverMs)}`);
  console.log(`  fallbacks: ${fallbacks.size === 0 ? "none" : [...fallbacks].map(([r, n]) => `${r} ${n}`).join(", ")}`);
}

// The first solves after loading run before V8 has optimised the Wasm (it tiers up in the
// background): shown apart, then the steady state a running controller sees.
run(`cold (first ${WARM_UP} cycles after loading)`, 0, WARM_UP, 10_000);
run(`warm, ${cycles} cycles`, WARM_UP, cycles, undefined);
run(`warm, ${cycles} cycles, no budget reached`, WARM_UP, cycles, 10_000);
