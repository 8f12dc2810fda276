// A run's figures as the README and the JSON report give them, and the share of the oracle's
// carbon saving (over round-robin) that a policy achieves.
import type { RunResult } from "./run-policy.js";
import type { Scenario } from "./scenario/scenario.js";

export interface PolicyScore {
  readonly policy: string;
  /** Renewable share of the energy requests used (base load is covered first), %. */
  readonly renewableSharePct: number;
  readonly gridKgCo2: number;
  /** Share of the oracle's saving over round-robin, %; null when the oracle saves nothing or did not run. */
  readonly oracleSavingPct: number | null;
  readonly lostToOutage: number;
  readonly lostToEnergy: number;
  readonly overloadSiteMinutes: number;
  readonly requestsOverCapacity: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  /** Services whose p95 added latency is above their SLO. */
  readonly sloMissed: readonly string[];
  /** Σ|Δweight| per hour, all services, in weight units of 10,000 per service. */
  readonly churnPerHour: number;
  /** Largest single move of one upstream's weight in one step, weight units. */
  readonly largestStep: number;
  readonly planP50Ms: number;
  readonly planP99Ms: number;
  readonly fallbacks: number;
  /** Longest time from a site outage to the last request sent there, s; null with no outage. */
  readonly faultToLastRequestS: number | null;
}

export function scoreRun(scenario: Scenario, run: RunResult, roundRobin?: RunResult, oracle?: RunResult): PolicyScore {
  const t = run.totals;
  const hours = (scenario.steps * scenario.stepSeconds) / 3600;
  const saving = roundRobin && oracle ? roundRobin.totals.gridKgCo2 - oracle.totals.gridKgCo2 : 0;
  const faults = t.faultToLastRequestSeconds.filter((s): s is number => s !== null);
  const outages = scenario.faults.some((f) => f.kind === "site_outage");
  return {
    policy: run.policy,
    renewableSharePct: t.requestEnergyWh > 0 ? (100 * t.requestRenewableWh) / t.requestEnergyWh : 0,
    gridKgCo2: t.gridKgCo2,
    oracleSavingPct: roundRobin && saving > 1e-9 ? (100 * (roundRobin.totals.gridKgCo2 - t.gridKgCo2)) / saving : null,
    lostToOutage: t.lostToOutageRequests,
    lostToEnergy: t.lostToEnergyRequests,
    overloadSiteMinutes: t.overloadSiteMinutes,
    requestsOverCapacity: t.requestsOverCapacity,
    latencyP50Ms: run.latency.quantile(0.5),
    latencyP95Ms: run.latency.quantile(0.95),
    sloMissed: scenario.services.flatMap((svc, s) =>
      svc.latencySloMs !== undefined && run.serviceP95Ms[s]! > svc.latencySloMs ? [svc.name] : []),
    churnPerHour: t.churnWeightUnits / hours,
    largestStep: t.largestStepWeightUnits,
    planP50Ms: quantile(run.decideMs, 0.5),
    planP99Ms: quantile(run.decideMs, 0.99),
    fallbacks: t.fallbacks,
    faultToLastRequestS: outages ? (faults.length > 0 ? Math.max(...faults) : 0) : null,
  };
}

function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
