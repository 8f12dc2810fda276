// The predictive planner's linear program over the horizon's periods k (horizon.ts periodLengths:
// period 0 is the step that starts now; a period of L steps lasts Δ = L × stepSeconds; PV,
// carbon and demand are its steps' means, and the site limit holds for its largest demand):
//
//   x[s][u][k] ∈ [0, 1]   share of service s's demand D[s][k] on upstream u (eligible ones only)
//   g, c, d, e [i][k]     grid W, battery charge W, discharge W, stored Wh after period k
//   o[i][k] ≥ 0           request/s above site i's limit (paid dearly: a real shortfall only)
//   z[i][k] ≥ 0           W an off-grid site lacks (paid more dearly still)
//
//   Σ_u x[s][u][k] = 1                                             demand served
//   Σ D[s][k] x[s][u][k] − o[i][k] ≤ limit_i                       site limit (headroom, holds)
//   g + d − c + z − w_i Σ D x ≥ base_i − pv[i][k]                  energy (≥: PV may spill)
//   e[k] − e[k−1] − Δ√η c + Δ d/√η = 0, e[−1] = soc × Wh           battery
//   e ∈ [min(reserve × Wh, e[−1]), Wh], c ≤ min(charge W, pv), d ≤ discharge W
//   g = 0 on an off-grid site (no column)                          off-grid
//   (a period of a site with no battery and PV ≤ base has no energy row: g = base + w Σ D x − pv)
//   x[k] − x[k−1] = p − q, p, q ≤ maxStep × (L[k−1] + L[k]) / 2; x[0] − prev = p − q   churn
//   Σ_u far_u x[s][u][k] ≤ latencySloExceedShare                   latency SLO
//
//   minimise Σ g Δ carbon/1000 + latency + churn + overload + deficit − terminal value of e[K−1]
//
// Future steps move at most maxStep per step, as damping will let them: that is what makes the
// program start moving traffic before a drop it can see, rather than at it.
import type { PlanInput } from "../site-state.js";
import { LpBuilder } from "./lp-builder.js";
import type { LinearProgram } from "./plan-solver.js";
import type { PredictivePlannerOptions } from "./predictive-options.js";
import { oneWayEfficiency, periodLengths, periodMaxima, periodMeans, series } from "./horizon.js";

export interface LpContext {
  readonly input: PlanInput;
  readonly options: PredictivePlannerOptions;
  /** Per site: most requests/s it may take; 0 when it may take none. */
  readonly limitRps: readonly number[];
  /** Per service, per upstream: whether the upstream may take traffic. */
  readonly eligible: readonly (readonly boolean[])[];
  /** Per service, per upstream: site index. */
  readonly siteOf: readonly (readonly number[])[];
  /** Per service: last published shares over its upstreams, 0 on ineligible ones, summing to 1; null if none. */
  readonly previousShares: readonly (Float64Array | null)[];
}

/** Where each quantity sits among the columns: a start column per entity, steps consecutive; −1 if absent. */
export interface LpLayout {
  /** Number of periods, and each one's length in steps. */
  readonly steps: number;
  readonly periodSteps: readonly number[];
  /** Per service, per upstream. */
  readonly share: readonly Int32Array[];
  /** Per site. */
  readonly grid: Int32Array;
  readonly charge: Int32Array;
  readonly discharge: Int32Array;
  readonly stored: Int32Array;
  readonly deficit: Int32Array;
  readonly overload: Int32Array;
  /** Per site and period (site × periods + period): 1 where grid power is base + requests − PV, with no column. */
  readonly gridDirect: Uint8Array;
  /** Per site, per period: mean PV W; per service, per period: mean demand rps. */
  readonly pvWatts: readonly Float64Array[];
  readonly demandRps: readonly Float64Array[];
}

/** A service with no traffic still gets shares; planning it at this rate keeps them meaningful. */
const MIN_DEMAND_RPS = 1e-3;
/** A battery smaller than this (Wh) is no battery: it would only add columns and round-off. */
const MIN_BATTERY_WH = 1e-3;
/** An overload now costs this many times one later, so a shortfall in step 0 is a real one. */
const OVERLOAD_NOW_FACTOR = 10;

export function buildLp(ctx: LpContext): { lp: LinearProgram; layout: LpLayout } {
  const { input, options } = ctx;
  const lengths = periodLengths(options.horizonSteps, options.fineSteps);
  const K = lengths.length;
  const hours = lengths.map((l) => (l * options.stepSeconds) / 3600);
  const sites = input.sites;
  const services = input.services;
  const n = sites.length;
  const b = new LpBuilder(services.length * 8 * K * 3 + n * K * 6, services.length * 8 * K * 2 + n * K * 4);

  const steps = options.horizonSteps;
  const pv = sites.map((s) => periodMeans(series(s.pvNowWatts, s.pvForecastWatts, steps), lengths));
  const carbon = sites.map((s) => periodMeans(series(s.gridCarbonGPerKwh, s.gridCarbonForecastGPerKwh, steps), lengths));
  const demandSteps = services.map((s) => series(s.demandRps, s.demandForecastRps, steps));
  const demand = demandSteps.map((d) => periodMeans(d, lengths));
  const planned = demand.map((d) => d.map((v) => Math.max(v, MIN_DEMAND_RPS)));
  // Limits hold for the real demand (the floor for idle services must not make a shortfall).
  const peak = demandSteps.map((d) => periodMaxima(d, lengths));
  // Demand can jump within a step, weights cannot: a service's recent peak must fit in the sites'
  // full capacity (the headroom is what absorbs the jump), where its forecast fits their limits.
  const surge = services.map((svc, s) => peak[s]!.map((v) => Math.max(v, svc.demandPeakRps ?? 0)));
  const hasSurge = services.some((svc) => svc.demandPeakRps !== undefined);
  const meanLatency = services.map((svc, s) => svc.upstreams.map((_, u) => meanAddedLatency(input, ctx.siteOf[s]![u]!)));

  // Columns: shares first, then each site's energy columns.
  const share = services.map((svc, s) => {
    const starts = new Int32Array(svc.upstreams.length).fill(-1);
    svc.upstreams.forEach((_, u) => {
      if (!ctx.eligible[s]![u]) return;
      const latency = meanLatency[s]![u]!;
      starts[u] = b.numCols;
      for (let k = 0; k < K; k++) {
        const requests = planned[s]![k]! * 3600 * hours[k]!;
        b.col((options.latencyGPerMsPerMillionRequests * requests * latency) / 1e6, 0, 1);
      }
    });
    return starts;
  });
  const hasTraffic = new Array<boolean>(n).fill(false);
  ctx.siteOf.forEach((list, s) => list.forEach((i, u) => { if (ctx.eligible[s]![u]) hasTraffic[i] = true; }));

  const grid = new Int32Array(n).fill(-1);
  const charge = new Int32Array(n).fill(-1);
  const discharge = new Int32Array(n).fill(-1);
  const stored = new Int32Array(n).fill(-1);
  const deficit = new Int32Array(n).fill(-1);
  const overload = new Int32Array(n).fill(-1);
  const direct = new Uint8Array(n * K);
  const gridCarbonMax = maxGridCarbon(sites.map((s, i) => (s.offGrid === true ? null : carbon[i]!)), carbon);
  sites.forEach((site, i) => {
    const battery = site.batteryWh >= MIN_BATTERY_WH;
    if (!hasTraffic[i] && !battery) return;
    const eta = oneWayEfficiency(site.batteryEfficiency);
    if (hasTraffic[i]) {
      overload[i] = b.numCols;
      for (let k = 0; k < K; k++) b.col(options.overloadGPerRpsHour * hours[k]! * (k === 0 ? OVERLOAD_NOW_FACTOR : 1), 0, Infinity);
    }
    if (site.offGrid === true) {
      deficit[i] = b.numCols;
      for (let k = 0; k < K; k++) b.col(options.energyDeficitGPerWh * hours[k]!, 0, Infinity);
    } else {
      grid[i] = b.numCols;
      for (let k = 0; k < K; k++) {
        const gPerW = (hours[k]! * carbon[i]![k]!) / 1000;
        // Without a battery, and with no PV beyond the base load, the grid carries the base and
        // every request: its carbon goes straight onto the shares, and the period needs no row.
        if (!battery && pv[i]![k]! <= site.baseLoadWatts) {
          direct[i * K + k] = 1;
          forEachShare(ctx, share, i, (sv, col) => b.addCost(col + k, gPerW * site.wattsPerRps * planned[sv]![k]!));
          b.col(0, 0, 0);
        } else {
          b.col(gPerW, 0, Infinity);
        }
      }
    }
    if (!battery) return;
    const e0 = site.batterySoc * site.batteryWh;
    charge[i] = b.numCols;
    // From PV only, as a site's charge controller does: never from the grid.
    for (let k = 0; k < K; k++) b.col(0, 0, Math.min(site.batteryChargeWatts ?? Infinity, pv[i]![k]!));
    discharge[i] = b.numCols;
    for (let k = 0; k < K; k++) b.col(0, 0, site.batteryDischargeWatts ?? Infinity);
    stored[i] = b.numCols;
    const floor = Math.min(options.batteryReserveSoc * site.batteryWh, e0);
    for (let k = 0; k < K; k++) b.col(0, floor, site.batteryWh);
    // A Wh left at the end displaces, later, about the horizon's mean carbon (less the discharge
    // loss); an off-grid site's Wh is what keeps it up, so it is worth the dirtiest grid Wh.
    const reference = site.offGrid === true ? gridCarbonMax : options.terminalValueFraction * weightedMean(carbon[i]!, lengths);
    b.addCost(stored[i]! + K - 1, -(eta * reference) / 1000);
  });

  // Rows.
  services.forEach((_, s) => {
    const cols = share[s]!;
    if (!cols.some((c) => c >= 0)) return;
    for (let k = 0; k < K; k++) {
      for (const c of cols) if (c >= 0) b.term(c + k, 1);
      b.row(1, 1);
    }
  });
  sites.forEach((site, i) => {
    if (hasTraffic[i]) {
      for (let k = 0; k < K; k++) {
        forEachShare(ctx, share, i, (s, col) => b.term(col + k, peak[s]![k]!));
        b.term(overload[i]! + k, -1);
        b.row(-Infinity, ctx.limitRps[i]!);
        if (hasSurge) {
          forEachShare(ctx, share, i, (s, col) => b.term(col + k, surge[s]![k]!));
          b.term(overload[i]! + k, -1);
          b.row(-Infinity, surgeLimit(site.capacityRps, ctx.limitRps[i]!, options.headroom));
        }
      }
    }
    if (overload[i]! < 0 && stored[i]! < 0) return;
    const eta = oneWayEfficiency(site.batteryEfficiency);
    for (let k = 0; k < K; k++) {
      if (direct[i * K + k] === 1) continue;
      if (grid[i]! >= 0) b.term(grid[i]! + k, 1);
      if (deficit[i]! >= 0) b.term(deficit[i]! + k, 1);
      if (stored[i]! >= 0) {
        b.term(discharge[i]! + k, 1);
        b.term(charge[i]! + k, -1);
      }
      if (hasTraffic[i]) forEachShare(ctx, share, i, (s, col) => b.term(col + k, -site.wattsPerRps * planned[s]![k]!));
      b.row(site.baseLoadWatts - pv[i]![k]!, Infinity);
    }
    if (stored[i]! < 0) return;
    const e0 = site.batterySoc * site.batteryWh;
    for (let k = 0; k < K; k++) {
      b.term(stored[i]! + k, 1);
      if (k > 0) b.term(stored[i]! + k - 1, -1);
      b.term(charge[i]! + k, -hours[k]! * eta);
      b.term(discharge[i]! + k, hours[k]! / eta);
      b.row(k === 0 ? e0 : 0, k === 0 ? e0 : 0);
    }
  });
  services.forEach((svc, s) => {
    const previous = ctx.previousShares[s] ?? null;
    svc.upstreams.forEach((_, u) => {
      const col = share[s]![u]!;
      if (col < 0) return;
      for (let k = previous === null ? 1 : 0; k < K; k++) {
        const bound = k === 0 ? Infinity : (options.maxStep * (lengths[k - 1]! + lengths[k]!)) / 2;
        const cost = options.churnGPerRps * planned[s]![k]!;
        const up = b.col(cost, 0, bound);
        const down = b.col(cost, 0, bound);
        b.term(col + k, 1);
        if (k > 0) b.term(col + k - 1, -1);
        b.term(up, -1);
        b.term(down, 1);
        const rhs = k === 0 ? previous![u]! : 0;
        b.row(rhs, rhs);
      }
    });
    const slo = svc.latencySloMs;
    if (slo === undefined || input.clientRegions === undefined) return;
    const far = svc.upstreams.map((_, u) => farShare(input, ctx.siteOf[s]![u]!, slo));
    if (!far.some((f, u) => f > 0 && share[s]![u]! >= 0)) return;
    for (let k = 0; k < K; k++) {
      far.forEach((f, u) => { if (share[s]![u]! >= 0) b.term(share[s]![u]! + k, f); });
      b.row(-Infinity, options.latencySloExceedShare);
    }
  });

  const layout: LpLayout = { steps: K, periodSteps: lengths, share, grid, charge, discharge, stored, deficit, overload, gridDirect: direct, pvWatts: pv, demandRps: demand };
  return { lp: b.build(), layout };
}

function forEachShare(ctx: LpContext, share: readonly Int32Array[], site: number, f: (s: number, col: number) => void): void {
  ctx.siteOf.forEach((list, s) => list.forEach((i, u) => { if (i === site && share[s]![u]! >= 0) f(s, share[s]![u]!); }));
}

/** Demand-weighted added latency from the client regions to a site, in ms; 0 without regions. */
function meanAddedLatency(input: PlanInput, site: number): number {
  const name = input.sites[site]!.site;
  return (input.clientRegions ?? []).reduce((a, r) => a + r.share * r.latencyMs[name]!, 0);
}

/** Most a site may take in a surge: its capacity, or as much above its limit as the headroom allows when the limit is lower (a latency hold). */
function surgeLimit(capacityRps: number, limitRps: number, headroom: number): number {
  return Math.min(capacityRps, limitRps / (1 - headroom));
}

/** Share of demand whose region is farther from the site than the SLO. */
function farShare(input: PlanInput, site: number, sloMs: number): number {
  const name = input.sites[site]!.site;
  return (input.clientRegions ?? []).reduce((a, r) => a + (r.latencyMs[name]! > sloMs ? r.share : 0), 0);
}

/** Mean over the horizon's steps of per-period values. */
function weightedMean(values: Float64Array, lengths: readonly number[]): number {
  let sum = 0;
  let steps = 0;
  lengths.forEach((l, p) => {
    sum += values[p]! * l;
    steps += l;
  });
  return steps > 0 ? sum / steps : 0;
}

/** Highest grid carbon over the horizon among grid-connected sites (all sites when none is). */
function maxGridCarbon(connected: readonly (Float64Array | null)[], all: readonly Float64Array[]): number {
  const pool = connected.filter((c): c is Float64Array => c !== null);
  let max = 0;
  for (const c of pool.length > 0 ? pool : all) for (const v of c) max = Math.max(max, v);
  return max;
}
