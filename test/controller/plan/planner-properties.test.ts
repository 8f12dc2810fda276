import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { siteLimit } from "../../../controller/plan/greedy/energy-budget.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import type { PlanInput } from "../../../controller/plan/site-state.js";
import { consecutiveInputsArb, planInputArb } from "./support/arbitraries.js";

const planner = createPlanner();
const { weightScale } = planner.options;
const RUNS = { numRuns: 400 };

/** Whether `previous` held the site for latency, which the next limit depends on (hysteresis). */
function heldBefore(previous: Plan | null, site: string): boolean {
  return previous?.sites.find((s) => s.site === site)?.reasons.includes("latency_over_limit") ?? false;
}

/** Each site's planned rps against its limit, allowing one weight unit per service for rounding. */
function overloads(input: PlanInput, plan: Plan, previous: Plan | null = null): string[] {
  return plan.sites.flatMap((s, i) => {
    const limit = siteLimit(input.sites[i]!, planner.options, heldBefore(previous, input.sites[i]!.site));
    const limitRps = limit.eligible ? limit.limitRps : 0;
    const rounding = input.services.reduce((a, svc) => a + svc.demandRps / weightScale, 0);
    return s.plannedRps > limitRps + rounding + 1e-9 ? [`${s.site}: ${s.plannedRps} > ${limitRps}`] : [];
  });
}

function checkWeights(plan: Plan): void {
  for (const svc of plan.services) {
    const weights = svc.upstreams.map((u) => u.weight);
    for (const w of weights) expect(Number.isInteger(w) && w >= 0).toBe(true);
    expect(weights.reduce((a, b) => a + b, 0)).toBe(svc.eligible ? weightScale : 0);
  }
}

describe("planner properties", () => {
  it("gives integer weights summing exactly to the scale for every service with an eligible site", () => {
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const previous = planner.plan(first);
      checkWeights(previous);
      checkWeights(planner.plan(second, previous));
    }), RUNS);
  });

  it("keeps every site within its limit whenever total capacity suffices", () => {
    fc.assert(fc.property(planInputArb({ everywhere: true }), (input) => {
      const limits = input.sites.map((s) => siteLimit(s, planner.options));
      const capacity = limits.reduce((a, l) => a + (l.eligible ? l.limitRps : 0), 0);
      const demand = input.services.reduce((a, s) => a + s.demandRps, 0);
      fc.pre(capacity > 0 && demand <= capacity);
      const plan = planner.plan(input);
      expect(plan.shortfall).toBe(false);
      expect(overloads(input, plan)).toEqual([]);
    }), RUNS);
  });

  it("keeps every site within its limit after damping unless it reports a shortfall", () => {
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const previous = planner.plan(first);
      const plan = planner.plan(second, previous);
      if (!plan.shortfall) expect(overloads(second, plan, previous)).toEqual([]);
    }), RUNS);
  });

  it("gives unhealthy and draining sites weight 0 and the draining flag, previous plan or not", () => {
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const plan = planner.plan(second, planner.plan(first));
      const health = new Map(second.sites.map((s) => [s.site, s.health]));
      for (const u of plan.services.flatMap((s) => s.upstreams)) {
        const drained = health.get(u.site) !== "healthy";
        expect(u.draining).toBe(drained);
        if (drained) expect(u.weight).toBe(0);
      }
    }), RUNS);
  });

  it("never lowers a site's weight when only that site's surplus grows (no damping)", () => {
    const arb = planInputArb({ everywhere: true }).chain((input) =>
      fc.tuple(fc.constant(input), fc.nat({ max: input.sites.length - 1 }), fc.double({ min: 0, max: 5000, noNaN: true })),
    );
    fc.assert(fc.property(arb, ([input, i, extraWatts]) => {
      const single: PlanInput = { ...input, services: input.services.slice(0, 1) };
      const sunnier: PlanInput = {
        ...single,
        sites: single.sites.map((s, k) => (k === i ? { ...s, pvNowWatts: s.pvNowWatts + extraWatts } : s)),
      };
      const before = planner.plan(single);
      const after = planner.plan(sunnier);
      expect(after.services[0]!.upstreams[i]!.weight).toBeGreaterThanOrEqual(before.services[0]!.upstreams[i]!.weight);
      expect(after.sites[i]!.renewableRps).toBeGreaterThanOrEqual(before.sites[i]!.renewableRps - 1e-9);
    }), RUNS);
  });

  it("never lowers a site's planned load, all services together, when only its surplus grows (no damping)", () => {
    const arb = planInputArb().chain((input) =>
      fc.tuple(fc.constant(input), fc.nat({ max: input.sites.length - 1 }), fc.double({ min: 0, max: 5000, noNaN: true })),
    );
    fc.assert(fc.property(arb, ([input, i, extraWatts]) => {
      const sunnier: PlanInput = {
        ...input,
        sites: input.sites.map((s, k) => (k === i ? { ...s, pvNowWatts: s.pvNowWatts + extraWatts } : s)),
      };
      const rounding = input.services.reduce((a, svc) => a + svc.demandRps / weightScale, 0);
      expect(planner.plan(sunnier).sites[i]!.plannedRps).toBeGreaterThanOrEqual(planner.plan(input).sites[i]!.plannedRps - rounding - 1e-9);
    }), RUNS);
  });

  it("moves no weight further than one step per cycle unless a hard rule or a shortfall demands it", () => {
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const previous = planner.plan(first);
      const plan = planner.plan(second, previous);
      const eligible = new Map(second.sites.map((s) => [s.site, siteLimit(s, planner.options, heldBefore(previous, s.site)).eligible]));
      plan.services.forEach((svc, k) => {
        // Weight on a site that may no longer take traffic moves at once, outside the step bound.
        const freed = svc.upstreams.some((u, j) => !eligible.get(u.site) && previous.services[k]!.upstreams[j]!.weight > 0);
        if (!["held", "stepped", "target"].includes(svc.damping) || freed) return;
        svc.upstreams.forEach((u, j) => {
          expect(Math.abs(u.weight - previous.services[k]!.upstreams[j]!.weight)).toBeLessThanOrEqual(planner.options.maxStep * weightScale);
        });
      });
    }), RUNS);
  });

  it("latency hold: on above the limit, off below the release level, unchanged in between (hysteresis)", () => {
    const { latencyLimitMs, latencyReleaseFraction } = planner.options;
    const release = latencyLimitMs * latencyReleaseFraction;
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const previous = planner.plan(first);
      const plan = planner.plan(second, previous);
      second.sites.forEach((s, i) => {
        const held = plan.sites[i]!.reasons.includes("latency_over_limit");
        const byCapacity = s.capacityRps * (1 - planner.options.headroom);
        if (s.health !== "healthy" || s.loadRps >= byCapacity) return expect(held).toBe(false);
        if (s.latencyP95Ms > latencyLimitMs) expect(held).toBe(true);
        else if (s.latencyP95Ms < release) expect(held).toBe(false);
        else expect(held).toBe(heldBefore(previous, s.site));
      });
    }), RUNS);
  });

  it("a p95 that wanders inside the hysteresis band never flips a site's hold", () => {
    const { latencyLimitMs, latencyReleaseFraction } = planner.options;
    const band = fc.double({ min: latencyLimitMs * latencyReleaseFraction, max: latencyLimitMs, noNaN: true });
    const arb = planInputArb().chain((input) => fc.tuple(fc.constant(input), fc.array(fc.array(band, {
      minLength: input.sites.length, maxLength: input.sites.length,
    }), { minLength: 1, maxLength: 8 })));
    fc.assert(fc.property(arb, ([input, walk]) => {
      let previous = planner.plan(input);
      const start = previous.sites.map((s) => s.reasons.includes("latency_over_limit"));
      for (const p95s of walk) {
        const next: PlanInput = { ...input, sites: input.sites.map((s, i) => ({ ...s, latencyP95Ms: p95s[i]! })) };
        previous = planner.plan(next, previous);
        expect(previous.sites.map((s) => s.reasons.includes("latency_over_limit"))).toEqual(start);
      }
    }), { numRuns: 200 });
  });

  it("is deterministic: equal inputs give equal plans", () => {
    fc.assert(fc.property(consecutiveInputsArb(), ([first, second]) => {
      const a = planner.plan(second, planner.plan(first));
      const b = createPlanner().plan(structuredClone(second), planner.plan(structuredClone(first)));
      expect(b).toEqual(a);
    }), RUNS);
  });
});
