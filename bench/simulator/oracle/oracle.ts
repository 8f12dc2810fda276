// The upper bound: a policy that knows the whole future (PV, carbon, demand, faults) and plans
// it with one linear program per window. Windows are 48 h long and overlap: each is solved from
// the battery charge the run has actually reached, and only its first 24 h are used, so no
// decision is made blind to the next day. It keeps the same headroom as the planners and the
// same rules (no off-grid site planned into an empty battery, latency SLOs, site limits; the last
// two are soft at a high price so a window where they cannot all hold still gets a plan), and its
// decisions go through the same physics as every other policy's.
import type { PlanInput } from "../../../controller/plan/site-state.js";
import type { Policy, PolicyTruth } from "../policy.js";
import type { Scenario } from "../scenario/scenario.js";
import { siteConditions } from "../site-conditions.js";
import { stepSite } from "../site-physics.js";
import { LpBuilder } from "../../../controller/plan/predictive/lp-builder.js";
import type { PlanSolver } from "../../../controller/plan/predictive/plan-solver.js";

export interface OracleOptions {
  /** Steps each linear program sees (default 48 h). */
  readonly windowSteps?: number;
  /** Steps of each window used before the next is solved (default 24 h). */
  readonly applySteps?: number;
}

/** Share of a service's requests allowed above its latency SLO (the SLO is a p95). */
export const SLO_EXCESS_SHARE = 0.05;
/** kg CO2-equivalent charged per Wh nobody could supply: lost requests cost more than anything else. */
const UNMET_PENALTY_PER_WH = 1e6;
/** Cost of planning a site above its limit or a service above its SLO, per unit: only when nothing else fits. */
const SOFT_LIMIT_PENALTY = 1e3;
/** The oracle has no cycle budget; a window that takes longer than this is a bug in the model. */
const ORACLE_TIME_LIMIT_SECONDS = 600;
/** Latency tie-break, kg per request-ms: only decides between plans of equal carbon. */
const LATENCY_TIEBREAK = 1e-12;

export function oracle(scenario: Scenario, solver: PlanSolver, options: OracleOptions = {}): Policy {
  const day = Math.round(86_400 / scenario.stepSeconds);
  const windowSteps = options.windowSteps ?? 2 * day;
  const applySteps = options.applySteps ?? day;
  let planned: number[][][] = [];
  let plannedFrom = -1;
  return {
    name: "oracle",
    horizonSteps: 0,
    decide: (_input: PlanInput, step: number, truth?: PolicyTruth) => {
      if (plannedFrom < 0 || step - plannedFrom >= applySteps) {
        if (truth === undefined) throw new Error("oracle: needs the run's battery state");
        const soc = scenario.sites.map((s, i) => (s.battery.capacityWh > 0 ? truth.storedWh[i]! / s.battery.capacityWh : 0));
        planned = planWindow(scenario, solver, step, Math.min(windowSteps, scenario.steps - step), Math.min(applySteps, scenario.steps - step), soc);
        plannedFrom = step;
      }
      return { shares: planned[step - plannedFrom]! };
    },
  };
}

/** Rounds of re-planning a window whose plan the physics would not carry. */
const MAX_REPAIRS = 8;

/**
 * The window's plan, checked against the physics over the steps that will be used: the program
 * may bank PV in a battery while the site imports, which the physics does not do (PV serves the
 * load first), so a site without grid power can find less stored than planned. Every step where
 * the physics would leave a site with traffic short of power is closed to traffic there, and the
 * window is planned again.
 */
function planWindow(sc: Scenario, solver: PlanSolver, from: number, n: number, apply: number, soc: readonly number[]): number[][][] {
  const closed = new Set<string>();
  for (let round = 0; ; round++) {
    const plan = solveWindow(sc, solver, from, n, soc, closed);
    const short = shortSteps(sc, from, apply, soc, plan);
    if (short.length === 0 || round === MAX_REPAIRS) return plan;
    for (const key of short) closed.add(key);
  }
}

/** `${site}@${step}` where the plan sends requests to a site the physics leaves short of power. */
function shortSteps(sc: Scenario, from: number, apply: number, soc: readonly number[], plan: readonly (readonly (readonly number[])[])[]): string[] {
  const stored = sc.sites.map((s, i) => soc[i]! * s.battery.capacityWh);
  const out: string[] = [];
  for (let k = 0; k < apply; k++) {
    const t = from + k;
    sc.sites.forEach((site, i) => {
      let load = 0;
      sc.services.forEach((svc, s) => {
        const j = svc.sites.indexOf(site.name);
        if (j >= 0) load += svc.demandRps[t]! * plan[k]![s]![j]!;
      });
      const { running, gridAvailable, batteryAvailable } = siteConditions(sc, site, t);
      const step = stepSite({
        site, stepHours: sc.stepSeconds / 3600, pvWatts: site.pvWatts[t]!, loadRps: load, gridAvailable, batteryAvailable, running,
      }, stored[i]!);
      stored[i] = step.storedWh;
      if (step.unmetWatts > 0 && load > 0) out.push(`${site.name}@${t}`);
    });
  }
  return out;
}

/** Shares [k][service][site of service] for steps from..from+n, planned with perfect knowledge; `closed` site@step take no traffic. */
export function solveWindow(scenario: Scenario, solver: PlanSolver, from: number, n: number, soc: readonly number[], closed: ReadonlySet<string> = new Set()): number[][][] {
  const sc = scenario;
  const h = sc.stepSeconds / 3600;
  const inf = Infinity;
  const lp = new LpBuilder();
  const row = (cols: readonly number[], coefs: readonly number[], lower: number, upper: number): void => {
    cols.forEach((c, k) => lp.term(c, coefs[k]!));
    lp.row(lower, upper);
  };
  const siteByName = new Map(sc.sites.map((s) => [s.name, s]));
  const at = (site: string, t: number) => siteConditions(sc, siteByName.get(site)!, t);
  const spike = (site: string, t: number): number => at(site, t).spikeMs;
  const meanLatency = (site: string): number => sc.regions.reduce((a, r) => a + r.share * (r.latencyMs[site] ?? 0), 0);

  // x[k][s][j]
  const x: number[][][] = [];
  for (let k = 0; k < n; k++) {
    const t = from + k;
    x.push(sc.services.map((svc) => svc.sites.map((site) => {
      const down = !at(site, t).running || closed.has(`${site}@${t}`);
      const d = svc.demandRps[t]! * sc.stepSeconds;
      return lp.col(LATENCY_TIEBREAK * d * (meanLatency(site) + spike(site, t)), 0, down ? 0 : 1);
    })));
  }
  // Demand served, and the latency SLO.
  for (let k = 0; k < n; k++) {
    const t = from + k;
    sc.services.forEach((svc, s) => {
      row(x[k]![s]!, svc.sites.map(() => 1), 1, 1);
      if (svc.latencySloMs !== undefined) {
        const slo = svc.latencySloMs;
        const excess = svc.sites.map((site) => sc.regions.reduce((a, r) => a + ((r.latencyMs[site] ?? 0) + spike(site, t) > slo ? r.share : 0), 0));
        if (excess.some((e) => e > 0)) {
          const over = lp.col(SOFT_LIMIT_PENALTY, 0, inf);
          row([...x[k]![s]!, over], [...excess, -1], -inf, SLO_EXCESS_SHARE);
        }
      }
    });
  }
  // Sites: capacity, power balance, battery.
  sc.sites.forEach((site, i) => {
    const b = site.battery;
    const root = Math.sqrt(b.roundTripEfficiency);
    let prevE = -1;
    for (let k = 0; k < n; k++) {
      const t = from + k;
      const cols: number[] = [];
      const coefs: number[] = [];
      sc.services.forEach((svc, s) => {
        const j = svc.sites.indexOf(site.name);
        if (j < 0) return;
        cols.push(x[k]![s]![j]!);
        coefs.push(svc.demandRps[t]!);
      });
      const { running, gridAvailable: gridOk, batteryAvailable } = siteConditions(sc, site, t);
      const overLimit = lp.col(SOFT_LIMIT_PENALTY, 0, inf);
      row([...cols, overLimit], [...coefs, -1], -inf, site.capacityRps * (1 - sc.headroom));
      const pv = site.pvWatts[t]!;
      const batteryOk = b.capacityWh > 0 && batteryAvailable;
      const pvUse = lp.col(0, 0, pv);
      const charge = lp.col(0, 0, batteryOk ? b.chargeWatts : 0);
      const discharge = lp.col(0, 0, batteryOk ? b.dischargeWatts : 0);
      const grid = lp.col((h * sc.sites[i]!.carbonGPerKwh[t]!) / 1e6, 0, gridOk ? inf : 0);
      const unmet = lp.col(UNMET_PENALTY_PER_WH * h, 0, gridOk ? 0 : inf);
      row([pvUse, charge], [1, 1], -inf, pv);
      // The physics charges only from PV left over after the load: a site that imports does not
      // charge. Exactly that is not linear; this bound (charge and import share one budget) keeps
      // the program from buying grid power now to bank its own PV for later.
      const importMax = site.baseLoadWatts + site.wattsPerRps * site.capacityRps;
      if (batteryOk && gridOk && b.chargeWatts > 0) row([charge, grid], [1 / b.chargeWatts, 1 / importMax], -inf, 1);
      // PV used + battery + grid + unmet = base + wattsPerRps × load (nothing drawn while down).
      row([pvUse, discharge, grid, unmet, ...cols], [1, 1, 1, 1, ...coefs.map((c) => -site.wattsPerRps * c)],
        running ? site.baseLoadWatts : 0, running ? site.baseLoadWatts : 0);
      if (b.capacityWh > 0) {
        const start = prevE < 0 ? soc[i]! * b.capacityWh : 0;
        // A start below the reserve (a battery fault just ended, or the first step) may only rise.
        const floor = prevE < 0 ? Math.min(b.reserveSoc * b.capacityWh, start) : b.reserveSoc * b.capacityWh;
        const e = lp.col(0, floor, b.capacityWh);
        // E_k − E_{k−1} − √η·h·charge + h/√η·discharge = 0
        const rowCols = prevE < 0 ? [e, charge, discharge] : [e, prevE, charge, discharge];
        const rowCoefs = prevE < 0 ? [1, -root * h, h / root] : [1, -1, -root * h, h / root];
        row(rowCols, rowCoefs, start, start);
        prevE = e;
      }
    }
  });
  const solved = solver.solve(lp.build(), ORACLE_TIME_LIMIT_SECONDS);
  if (solved.status !== "optimal") throw new Error(`oracle: no plan for steps ${from}..${from + n} of ${sc.file}: ${solved.status} (${solved.detail})`);
  return x.map((perService) => perService.map((cols) => {
    const v = cols.map((c) => Math.max(0, solved.x[c]!));
    const sum = v.reduce((a, b) => a + b, 0);
    return sum > 0 ? v.map((y) => y / sum) : v;
  }));
}
