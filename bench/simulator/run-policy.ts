// Runs one policy through a scenario, step by step: the policy decides from what it may know
// (observe.ts), requests go where its shares send them, every site's power is met by PV, battery
// and grid (site-physics.ts), and what happened is measured the way the controller would see it.
import type { SiteHealth } from "../../controller/plan/site-state.js";
import { LatencyHistogram } from "./latency-histogram.js";
import { Observer, type ObserverOptions, type StepRecord } from "./observe.js";
import type { Policy } from "./policy.js";
import type { Scenario } from "./scenario/scenario.js";
import { siteConditions } from "./site-conditions.js";
import { stepSite } from "./site-physics.js";

/** Weight units the shares are measured in (the weight table's scale). */
export const WEIGHT_SCALE = 10_000;
/** Latency a site's own responses add (p95 as a filter reports it) when nothing is wrong, ms. */
const SITE_P95_MS = 20;

export interface RunSeries {
  /** [step][site] */
  readonly pvWatts: Float64Array[];
  readonly soc: Float64Array[];
  readonly loadRps: Float64Array[];
  /** [step][service] shares over the service's sites. */
  readonly shares: (readonly (readonly number[])[])[];
  readonly totalDemandRps: Float64Array;
}

export interface RunTotals {
  readonly requests: number;
  readonly requestEnergyWh: number;
  readonly requestRenewableWh: number;
  readonly siteEnergyWh: number;
  readonly gridWh: number;
  readonly gridKgCo2: number;
  readonly lostRequests: number;
  readonly lostToOutageRequests: number;
  readonly lostToEnergyRequests: number;
  readonly overloadSiteMinutes: number;
  readonly requestsOverCapacity: number;
  readonly churnWeightUnits: number;
  readonly largestStepWeightUnits: number;
  readonly fallbacks: number;
  /** Per fault (scenario order), seconds from its start to the end of the last step that still sent requests there. */
  readonly faultToLastRequestSeconds: readonly (number | null)[];
}

export interface RunResult {
  readonly policy: string;
  readonly totals: RunTotals;
  readonly latency: LatencyHistogram;
  /** Per service, the p95 of added latency, ms. */
  readonly serviceP95Ms: readonly number[];
  /** Milliseconds each decision took. */
  readonly decideMs: Float64Array;
  readonly series: RunSeries;
  /** Shares decided per step, for the no-look-ahead test and replays. */
  readonly decisions: (readonly (readonly number[])[])[];
}

export interface RunOptions {
  /** Keep the per-step series (for plots); off for tests that need only totals. */
  readonly keepSeries?: boolean;
  readonly observer?: ObserverOptions;
}

export function runPolicy(scenario: Scenario, policy: Policy, options: RunOptions = {}): RunResult {
  const sc = scenario;
  const nSites = sc.sites.length;
  const siteIndex = new Map(sc.sites.map((s, i) => [s.name, i]));
  const stepHours = sc.stepSeconds / 3600;
  const observer = new Observer(sc, options.observer);
  const stored = Float64Array.from(sc.sites, (s) => s.battery.initialSoc * s.battery.capacityWh);
  const soc = new Float64Array(nSites);
  const latency = new LatencyHistogram();
  const serviceLatency = sc.services.map(() => new LatencyHistogram());
  const decideMs = new Float64Array(sc.steps);
  const decisions: (readonly (readonly number[])[])[] = [];
  const series: RunSeries = { pvWatts: [], soc: [], loadRps: [], shares: [], totalDemandRps: new Float64Array(sc.steps) };
  const faultLast: (number | null)[] = sc.faults.map(() => null);
  let previous: readonly (readonly number[])[] | null = null;
  const t0 = {
    requests: 0, requestEnergyWh: 0, requestRenewableWh: 0, siteEnergyWh: 0, gridWh: 0, gridKgCo2: 0,
    lostToOutageRequests: 0, lostToEnergyRequests: 0, overloadSiteMinutes: 0, requestsOverCapacity: 0,
    churnWeightUnits: 0, largestStepWeightUnits: 0, fallbacks: 0,
  };

  for (let t = 0; t < sc.steps; t++) {
    sc.sites.forEach((s, i) => {
      soc[i] = s.battery.capacityWh > 0 ? stored[i]! / s.battery.capacityWh : 0;
    });
    const input = observer.view(t, soc, policy.horizonSteps);
    const began = performance.now();
    const decision = policy.decide(input, t, { storedWh: stored });
    decideMs[t] = performance.now() - began;
    if (decision.fallback) t0.fallbacks++;
    const shares = failOpen(decision.shares);
    decisions.push(shares);

    if (previous !== null) {
      shares.forEach((row, s) => row.forEach((x, j) => {
        const moved = Math.abs(x - previous![s]![j]!) * WEIGHT_SCALE;
        t0.churnWeightUnits += moved;
        if (moved > t0.largestStepWeightUnits) t0.largestStepWeightUnits = moved;
      }));
    }
    previous = shares;

    const conditions = sc.sites.map((s) => siteConditions(sc, s, t));
    const running = conditions.map((c) => c.running);
    const gridAvailable = conditions.map((c) => c.gridAvailable);
    const batteryAvailable = conditions.map((c) => c.batteryAvailable);
    const spikeMs = conditions.map((c) => c.spikeMs);

    const load = new Float64Array(nSites);
    const demand = new Float64Array(sc.services.length);
    sc.services.forEach((svc, s) => {
      const d = svc.demandRps[t]!;
      demand[s] = d;
      svc.sites.forEach((site, j) => {
        load[siteIndex.get(site)!]! += d * shares[s]![j]!;
      });
    });

    const pv = Float64Array.from(sc.sites, (s) => s.pvWatts[t]!);
    const carbon = Float64Array.from(sc.sites, (s) => s.carbonGPerKwh[t]!);
    const servedFraction = new Float64Array(nSites);
    const health: SiteHealth[] = [];
    const stepSeconds = sc.stepSeconds;
    sc.sites.forEach((site, i) => {
      const out = stepSite({
        site, stepHours, pvWatts: pv[i]!, loadRps: load[i]!, gridAvailable: gridAvailable[i]!,
        batteryAvailable: batteryAvailable[i]!, running: running[i]!,
      }, stored[i]!);
      stored[i] = out.storedWh;
      const requests = load[i]! * stepSeconds;
      // Without power for part of the step, the site is down for that part: its requests are lost.
      const powered = out.demandWatts > 0 ? 1 - out.unmetWatts / out.demandWatts : 1;
      servedFraction[i] = running[i]! ? powered : 0;
      if (!running[i]!) t0.lostToOutageRequests += requests;
      else t0.lostToEnergyRequests += requests * (1 - powered);
      health.push(!running[i]! || out.unmetWatts > 0 ? "unhealthy" : "healthy");

      const requestW = running[i]! ? site.wattsPerRps * load[i]! : 0;
      const renewableW = out.pvUsedWatts + out.batteryWatts;
      t0.requestEnergyWh += requestW * stepHours;
      t0.requestRenewableWh += Math.max(0, Math.min(requestW, renewableW - site.baseLoadWatts)) * stepHours;
      t0.siteEnergyWh += out.demandWatts * stepHours;
      t0.gridWh += out.gridWatts * stepHours;
      t0.gridKgCo2 += (out.gridWatts * stepHours * carbon[i]!) / 1e6;
      const over = load[i]! - site.capacityRps;
      if (over > 1e-9) {
        t0.overloadSiteMinutes += stepSeconds / 60;
        t0.requestsOverCapacity += over * stepSeconds;
      }
    });

    sc.services.forEach((svc, s) => {
      svc.sites.forEach((site, j) => {
        const i = siteIndex.get(site)!;
        const sent = demand[s]! * shares[s]![j]! * stepSeconds * servedFraction[i]!;
        if (sent <= 0) return;
        for (const r of sc.regions) {
          const ms = (r.latencyMs[site] ?? 0) + spikeMs[i]!;
          latency.add(ms, sent * r.share);
          serviceLatency[s]!.add(ms, sent * r.share);
        }
      });
      t0.requests += demand[s]! * stepSeconds;
    });

    sc.faults.forEach((f, k) => {
      if (f.kind === "site_outage" && t >= f.fromStep && t < f.toStep && load[siteIndex.get(f.site)!]! > 0) {
        faultLast[k] = (t + 1 - f.fromStep) * stepSeconds;
      }
    });

    const latencyP95 = Float64Array.from(sc.sites, (_, i) => (load[i]! > 0 && running[i]! ? SITE_P95_MS + spikeMs[i]! : 0));
    const rec: StepRecord = { pvWatts: pv, carbonGPerKwh: carbon, loadRps: load, demandRps: demand, latencyP95Ms: latencyP95, health, gridAvailable, batteryAvailable };
    observer.record(t, rec);
    series.totalDemandRps[t] = demand.reduce((a, b) => a + b, 0);
    if (options.keepSeries) {
      series.pvWatts.push(pv);
      series.soc.push(Float64Array.from(soc));
      series.loadRps.push(load);
      series.shares.push(shares);
    }
  }

  return {
    policy: policy.name,
    totals: {
      ...t0,
      lostRequests: t0.lostToOutageRequests + t0.lostToEnergyRequests,
      faultToLastRequestSeconds: faultLast,
    },
    latency,
    serviceP95Ms: serviceLatency.map((h) => h.quantile(0.95)),
    decideMs,
    series,
    decisions,
  };
}

/** A service with no weight at all falls back to Envoy's default: equal shares over its sites. */
function failOpen(shares: readonly (readonly number[])[]): number[][] {
  return shares.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) return row.map(() => 1 / row.length);
    return row.map((x) => x / sum);
  });
}
