// Every policy but the oracle decides from the past alone: changing any trace after step t
// leaves every decision up to t exactly as it was.
import { describe, expect, it } from "vitest";
import { makePolicy, type PolicyName } from "../../../bench/simulator/policies/registry.js";
import { runPolicy } from "../../../bench/simulator/run-policy.js";
import type { Scenario } from "../../../bench/simulator/scenario/scenario.js";
import { loadTestSolver } from "./support/solver.js";
import { syntheticScenario } from "./support/synthetic-scenario.js";

const POLICIES: PolicyName[] = ["round-robin", "capacity", "carbon-greedy", "solar-greedy", "planner", "predictive"];

function scenario(): Scenario {
  return syntheticScenario({
    days: 1,
    sites: [
      { name: "west", lonDeg: -120, batteryWh: 6_000, carbon: 250, carbonWave: 80 },
      { name: "mid", lonDeg: 0, batteryWh: 4_000, carbon: 150, carbonWave: 60 },
      { name: "east", lonDeg: 120, batteryWh: 0, carbon: 400 },
    ],
    services: [
      { name: "web", sites: ["west", "mid", "east"], demandRps: (t) => 150 + 50 * Math.sin(t / 20) },
      { name: "api", sites: ["west", "east"], demandRps: 60 },
    ],
  });
}

/** The same scenario with every trace changed from step `after` + 1 on. */
function changedAfter(sc: Scenario, after: number): Scenario {
  const bend = (a: Float64Array, f: (v: number, t: number) => number): Float64Array => a.map((v, t) => (t > after ? f(v, t) : v));
  return {
    ...sc,
    sites: sc.sites.map((s, i) => ({
      ...s,
      pvWatts: bend(s.pvWatts, (_v, t) => (t % 2 === 0 ? 0 : s.pvPeakWatts * ((t + i) % 3) / 2)),
      carbonGPerKwh: bend(s.carbonGPerKwh, (v, t) => 900 - v + ((t * 7 + i) % 50)),
    })),
    services: sc.services.map((svc) => ({ ...svc, demandRps: bend(svc.demandRps, (v, t) => v * (t % 4) + 10) })),
  };
}

describe("no look-ahead", () => {
  it.each(POLICIES)("%s: decisions up to step t ignore every trace after t", async (name) => {
    const solver = await loadTestSolver();
    const original = scenario();
    const t = 150;
    const changed = changedAfter(original, t);
    // A time budget is a wall clock: generous here, so both runs solve every cycle alike.
    const a = runPolicy(original, makePolicy(name, { scenario: original, solver, timeBudgetMs: 10_000 }));
    const b = runPolicy(changed, makePolicy(name, { scenario: changed, solver, timeBudgetMs: 10_000 }));
    expect(b.totals.fallbacks + a.totals.fallbacks).toBe(0);
    expect(b.decisions.slice(0, t + 1)).toEqual(a.decisions.slice(0, t + 1));
    // The change is real: later decisions or outcomes differ.
    expect(b.totals.gridKgCo2).not.toBeCloseTo(a.totals.gridKgCo2, 6);
  });

  it("the oracle, by design, does look ahead", async () => {
    const solver = await loadTestSolver();
    const original = scenario();
    const changed = changedAfter(original, 150);
    const a = runPolicy(original, makePolicy("oracle", { scenario: original, solver }));
    const b = runPolicy(changed, makePolicy("oracle", { scenario: changed, solver }));
    expect(b.decisions.slice(0, 151)).not.toEqual(a.decisions.slice(0, 151));
  });
});
