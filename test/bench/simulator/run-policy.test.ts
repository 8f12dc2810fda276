import { describe, expect, it } from "vitest";
import type { Policy } from "../../../bench/simulator/policy.js";
import { runPolicy } from "../../../bench/simulator/run-policy.js";
import { scoreRun } from "../../../bench/simulator/score.js";
import { syntheticScenario } from "./support/synthetic-scenario.js";

/** Always the same shares. */
const fixed = (shares: number[][]): Policy => ({ name: "fixed", horizonSteps: 0, decide: () => ({ shares }) });

describe("a run, measured", () => {
  it("counts overload in site-minutes and requests over capacity", () => {
    const sc = syntheticScenario({ days: 1, sites: [{ name: "a", capacityRps: 100 }, { name: "b", capacityRps: 300 }], services: [{ name: "web", sites: ["a", "b"], demandRps: 150 }] });
    const run = runPolicy(sc, fixed([[1, 0]]));
    // 50 rps over 100 for all 288 five-minute steps.
    expect(run.totals.overloadSiteMinutes).toBe(288 * 5);
    expect(run.totals.requestsOverCapacity).toBeCloseTo(50 * 86_400, 3);
    expect(runPolicy(sc, fixed([[0.5, 0.5]])).totals.overloadSiteMinutes).toBe(0);
  });

  it("grid energy and carbon by hand: no PV, no battery, 300 g/kWh", () => {
    const sc = syntheticScenario({ days: 1, sites: [{ name: "a", pvPeakWatts: 0, carbon: 300, baseLoadWatts: 500, wattsPerRps: 4 }], services: [{ name: "web", sites: ["a"], demandRps: 100 }] });
    const run = runPolicy(sc, fixed([[1]]));
    // 500 + 400 W for 24 h = 21.6 kWh at 300 g = 6.48 kg; nothing renewable.
    expect(run.totals.gridWh).toBeCloseTo(21_600, 6);
    expect(run.totals.gridKgCo2).toBeCloseTo(6.48, 6);
    expect(scoreRun(sc, run).renewableSharePct).toBe(0);
  });

  it("an off-grid site whose battery runs dry goes down, loses its requests and is reported unhealthy", () => {
    const sc = syntheticScenario({
      days: 1,
      sites: [{ name: "island", pvPeakWatts: 0, batteryWh: 2_000, initialSoc: 1, gridConnected: false }, { name: "main", pvPeakWatts: 0 }],
      services: [{ name: "web", sites: ["island", "main"], demandRps: 100 }],
    });
    const run = runPolicy(sc, fixed([[1, 0]]));
    // 900 W from 1,800 Wh usable (reserve 10 %), at √0.9 on discharge: a little under 2 h, then down.
    expect(run.totals.lostToEnergyRequests).toBeGreaterThan(100 * 20 * 3600);
    expect(run.totals.lostToEnergyRequests).toBeLessThan(100 * 23 * 3600);
    expect(run.totals.gridWh).toBeCloseTo(500 * 24, 6); // only "main"'s base load
  });

  it("measures how long requests still go to a site after its outage starts", () => {
    const sc = syntheticScenario({
      days: 1,
      sites: [{ name: "a" }, { name: "b" }],
      services: [{ name: "web", sites: ["a", "b"], demandRps: 100 }],
      faults: [{ kind: "site_outage", site: "a", fromStep: 100, toStep: 200 }],
    });
    // A policy that follows health: it sees the outage one step late (health at the end of step 100).
    const follower: Policy = {
      name: "follows-health",
      horizonSteps: 0,
      decide: (input) => ({ shares: [input.sites[0]!.health === "healthy" ? [0.5, 0.5] : [0, 1]] }),
    };
    const run = runPolicy(sc, follower);
    expect(run.totals.faultToLastRequestSeconds).toEqual([300]);
    expect(run.totals.lostToOutageRequests).toBeCloseTo(50 * 300, 6);
    // Equal shares throughout: requests go there the whole outage.
    expect(runPolicy(sc, fixed([[0.5, 0.5]])).totals.faultToLastRequestSeconds).toEqual([100 * 300]);
  });

  it("weighs added latency by requests from each client region", () => {
    const sc = syntheticScenario({
      days: 1,
      sites: [{ name: "near" }, { name: "far" }],
      services: [{ name: "web", sites: ["near", "far"], demandRps: 100 }],
      regions: [{ name: "r1", share: 0.9, latencyMs: { near: 10, far: 150 } }, { name: "r2", share: 0.1, latencyMs: { near: 80, far: 20 } }],
    });
    const run = runPolicy(sc, fixed([[1, 0]]));
    expect(run.latency.quantile(0.5)).toBe(10);
    expect(run.latency.quantile(0.95)).toBe(80);
  });

  it("fails open: a service with no weight at all is spread equally, as Envoy's default route would", () => {
    const sc = syntheticScenario({ days: 1, sites: [{ name: "a" }, { name: "b" }], services: [{ name: "web", sites: ["a", "b"], demandRps: 100 }] });
    const run = runPolicy(sc, fixed([[0, 0]]));
    expect(run.decisions[0]).toEqual([[0.5, 0.5]]);
  });
});
