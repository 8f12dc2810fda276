// Properties of the predictive planner over random inputs with look-ahead fields: the same
// guarantees as the greedy planner's (integer weights summing to the scale, drained sites at 0,
// limits kept unless there is a shortfall), states of charge within bounds in the program's
// trajectory, and determinism.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { siteLimit } from "../../../../controller/plan/greedy/energy-budget.js";
import type { Plan } from "../../../../controller/plan/plan.js";
import { loadPlanSolver } from "../../../../controller/plan/predictive/plan-solver.js";
import { createPredictivePlanner } from "../../../../controller/plan/predictive/predictive-planner.js";
import type { PlanInput } from "../../../../controller/plan/site-state.js";
import { planInputArb } from "../support/arbitraries.js";

const solver = await loadPlanSolver();
// Short horizons keep the runs quick; a budget no solve reaches keeps the outcome off the clock.
const planner = createPredictivePlanner({ horizonSteps: 8, timeBudgetMs: 60_000 }, solver);
const { weightScale, batteryReserveSoc } = planner.options;
const RUNS = { numRuns: 120 };

/** Adds forecasts, battery limits, off-grid sites, SLOs and client regions to a greedy input. */
function lookAheadArb(base: fc.Arbitrary<PlanInput>, offGrid = true): fc.Arbitrary<PlanInput> {
  return base.chain((input) => {
    const steps = fc.integer({ min: 0, max: 9 });
    const sites = fc.tuple(...input.sites.map((s) => fc.record({
      carbon: steps.chain((n) => fc.array(fc.constantFrom(20, 100, 250, 400, 700), { minLength: n, maxLength: n })),
      charge: fc.option(fc.double({ min: 0, max: 3000, noNaN: true }), { nil: undefined }),
      discharge: fc.option(fc.double({ min: 0, max: 3000, noNaN: true }), { nil: undefined }),
      efficiency: fc.option(fc.double({ min: 0.5, max: 1, noNaN: true }), { nil: undefined }),
      offGrid: offGrid ? fc.boolean() : fc.constant(false),
    }).map((x) => ({
      ...s,
      gridCarbonForecastGPerKwh: x.carbon,
      batteryChargeWatts: x.charge,
      batteryDischargeWatts: x.discharge,
      batteryEfficiency: x.efficiency,
      offGrid: x.offGrid,
    }))));
    const services = fc.tuple(...input.services.map((svc) => fc.record({
      demand: fc.array(fc.double({ min: 0, max: 3000, noNaN: true }), { maxLength: 8 }),
      slo: fc.option(fc.constantFrom(50, 150), { nil: undefined }),
    }).map((x) => ({ ...svc, demandForecastRps: x.demand, latencySloMs: x.slo }))));
    const regions = fc.array(fc.constantFrom(10, 60, 120, 200), { minLength: input.sites.length, maxLength: input.sites.length })
      .map((lat) => [{ region: "all", share: 1, latencyMs: Object.fromEntries(input.sites.map((s, i) => [s.site, lat[i]!])) }]);
    return fc.record({ sites, services, regions }).map(({ sites: st, services: sv, regions: rg }) => ({ ...input, sites: st, services: sv, clientRegions: rg }));
  });
}

function heldBefore(previous: Plan | null, site: string): boolean {
  return previous?.sites.find((s) => s.site === site)?.reasons.includes("latency_over_limit") ?? false;
}

describe("predictive planner properties", () => {
  it("gives integer weights summing exactly to the scale, and 0 to drained sites, in its plan or the fallback", () => {
    fc.assert(fc.property(lookAheadArb(planInputArb()), lookAheadArb(planInputArb()), (first, second) => {
      const previous = planner.plan(first);
      for (const plan of [previous, planner.plan({ ...second, sites: second.sites, services: second.services }, previous)]) {
        const inputOf = plan === previous ? first : second;
        for (const svc of plan.services) {
          const weights = svc.upstreams.map((u) => u.weight);
          for (const w of weights) expect(Number.isInteger(w) && w >= 0).toBe(true);
          expect(weights.reduce((a, b) => a + b, 0)).toBe(svc.eligible ? weightScale : 0);
          for (const u of svc.upstreams) {
            const health = inputOf.sites.find((s) => s.site === u.site)!.health;
            if (health !== "healthy") expect(u.weight).toBe(0);
          }
        }
      }
    }), RUNS);
  });

  it("keeps every site within its limit unless it reports a shortfall", () => {
    fc.assert(fc.property(lookAheadArb(planInputArb()), (input) => {
      const plan = planner.plan(input);
      fc.pre(plan.fallback === null && !plan.shortfall);
      const rounding = input.services.reduce((a, svc) => a + svc.demandRps / weightScale, 0);
      plan.sites.forEach((s, i) => {
        const limit = siteLimit(input.sites[i]!, planner.options, heldBefore(null, s.site));
        const limitRps = limit.eligible ? limit.limitRps : 0;
        expect(s.plannedRps).toBeLessThanOrEqual(limitRps + rounding + 1e-6 * Math.max(1, limitRps));
      });
    }), RUNS);
  });

  it("reports no shortfall when total capacity suffices on grid-connected sites with steady demand", () => {
    fc.assert(fc.property(lookAheadArb(planInputArb({ everywhere: true }), false), (raw) => {
      const input = { ...raw, services: raw.services.map((s) => ({ ...s, demandForecastRps: [], latencySloMs: undefined })) };
      const limits = input.sites.map((s) => siteLimit(s, planner.options));
      const capacity = limits.reduce((a, l) => a + (l.eligible ? l.limitRps : 0), 0);
      const demand = input.services.reduce((a, s) => a + s.demandRps, 0);
      fc.pre(capacity > 0 && demand <= capacity * (1 - 1e-6));
      const plan = planner.plan(input);
      expect(plan.fallback).toBeNull();
      expect(plan.shortfall).toBe(false);
    }), RUNS);
  });

  it("plans every battery within its reserve and size, charging and discharging within its limits", () => {
    fc.assert(fc.property(lookAheadArb(planInputArb()), (input) => {
      const { trajectory } = planner.planWithTrajectory(input);
      fc.pre(trajectory !== null);
      trajectory!.sites.forEach((t, i) => {
        const site = input.sites[i]!;
        if (site.batteryWh === 0) return;
        const floor = Math.min(batteryReserveSoc, site.batterySoc);
        // In Wh: the solver's feasibility tolerance is absolute.
        for (const soc of t.soc) {
          expect((soc - floor) * site.batteryWh).toBeGreaterThanOrEqual(-1e-6);
          expect((soc - 1) * site.batteryWh).toBeLessThanOrEqual(1e-6);
        }
        t.chargeWatts.forEach((c, k) => {
          expect(c).toBeLessThanOrEqual(Math.min(site.batteryChargeWatts ?? Infinity, t.pvWatts[k]!) + 1e-6);
        });
        for (const d of t.dischargeWatts) expect(d).toBeLessThanOrEqual((site.batteryDischargeWatts ?? Infinity) + 1e-6);
        if (site.offGrid === true) for (const g of t.gridWatts) expect(g).toBe(0);
      });
    }), RUNS);
  });

  it("is deterministic: the same input and previous plan give the same plan, from any planner instance", () => {
    const other = createPredictivePlanner({ horizonSteps: 8, timeBudgetMs: 60_000 }, solver);
    fc.assert(fc.property(lookAheadArb(planInputArb()), lookAheadArb(planInputArb()), (first, second) => {
      const previous = planner.plan(first);
      const a = planner.planWithTrajectory(second, previous);
      const b = other.planWithTrajectory(second, other.plan(first));
      expect(b).toEqual(a);
    }), { numRuns: 60 });
  });
});
