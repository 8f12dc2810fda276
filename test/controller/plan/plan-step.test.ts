// The plan step reads each service's demand from the filter reports once they name it, the
// configured demand_rps before, and forecasts it over the horizon from the observed history.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { LATENCY_BOUNDS_MS, type ReportEntry } from "../../../controller/ingest/reports/decode.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanStep } from "../../../controller/plan/plan-step.js";
import { createConfiguredPlanner } from "../../../controller/plan/configured-planner.js";

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

const entry = (service: string, upstream: string, requests: number): ReportEntry => ({
  tableVersion: 1n, service, upstream, requests, responses: 0, responses5xx: 0, latencyBuckets: LATENCY_BOUNDS_MS.map(() => 0),
});

describe("plan step demand", () => {
  it("plans against the configured prior before reports, then against observed demand, and records both", async () => {
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    let plan: Plan | null = null;
    const { planner } = await createConfiguredPlanner(config);
    const step = createPlanStep(config, new SiteEnergy(config.sites), { observations, planner, onPlan: (p) => (plan = p) });

    const first = step(T0);
    expect(first.demand).toEqual([
      { service: "shop.example.com", demandRps: 600, source: "configured", demandForecastRps: [] },
      { service: "search.example.com", demandRps: 300, source: "configured", demandForecastRps: [] },
    ]);
    expect(plan!.services.map((s) => s.demandRps)).toEqual([600, 300]);

    // A worker reports 9,000 shop requests over the last 10 s: 900 rps, spread over two sites.
    observations.add({ reporter: 1n, windowStartMs: T0 - 10_000, windowEndMs: T0, entries: [
      entry("shop.example.com", "site-ber", 6_000), entry("shop.example.com", "site-syd", 3_000),
    ] }, T0);
    const second = step(T0);
    expect(second.demand![0]).toEqual({ service: "shop.example.com", demandRps: 900, source: "observed", demandForecastRps: new Array(24).fill(900), demandPeakRps: 900 });
    expect(second.demand![1]!.source).toBe("configured");
    expect(plan!.services.map((s) => s.demandRps)).toEqual([900, 300]);
  });

  it("keeps the observed history across steps: the forecast follows its recent level", async () => {
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    const { planner } = await createConfiguredPlanner(config);
    const step = createPlanStep(config, new SiteEnergy(config.sites), { observations, planner });
    // 100 rps for 10 minutes, reported every 10 s; then the level over the last 30 minutes is 100.
    let now = T0;
    for (let k = 0; k < 60; k++) {
      now = T0 + k * 10_000;
      observations.add({ reporter: 1n, windowStartMs: now - 10_000, windowEndMs: now, entries: [entry("shop.example.com", "site-sf", 1_000)] }, now);
      step(now);
    }
    const last = step(now);
    const shop = last.demand![0]!;
    expect(shop.source).toBe("observed");
    // At a bucket boundary the window holds six reports over the 55 s its buckets span.
    expect(shop.demandRps).toBeCloseTo(6_000 / 55, 9);
    expect(shop.demandForecastRps).toHaveLength(24);
    // The mean of the 5-minute means of those observations: near 100, the same at every step (no yesterday).
    expect(new Set(shop.demandForecastRps).size).toBe(1);
    expect(shop.demandForecastRps[0]).toBeGreaterThan(95);
    expect(shop.demandForecastRps[0]).toBeLessThan(110);
  });

  it("forecasts PV and demand as far as the planner looks, and names the planner that made the weights", async () => {
    const config = await loadConfig(undefined);
    const energy = new SiteEnergy(config.sites);
    const observations = new Observations(config.services);
    observations.add({ reporter: 1n, windowStartMs: T0 - 10_000, windowEndMs: T0, entries: [entry("shop.example.com", "site-sf", 1_000)] }, T0);

    const { planner } = await createConfiguredPlanner(config);
    const predictive = createPlanStep(config, energy, { observations, planner })(T0);
    expect(predictive.sites.map((s) => s.pvForecastWatts.length)).toEqual([24, 24, 24]);
    expect(predictive.demand![0]!.demandForecastRps).toHaveLength(24);
    expect(predictive.planner).toEqual({ name: "predictive", fallback: null });

    // The greedy planner weighs an hour: 12 five-minute steps.
    const greedyConfig = { ...config, planning: { ...config.planning, planner: "greedy" as const } };
    const greedy = createPlanStep(greedyConfig, energy, { observations })(T0);
    expect(greedy.sites.map((s) => s.pvForecastWatts.length)).toEqual([12, 12, 12]);
    expect(greedy.demand![0]!.demandForecastRps).toHaveLength(12);
    expect(greedy.planner).toEqual({ name: "greedy", fallback: null });
  });

  it("refuses to plan greedily behind a configuration that asks for the predictive planner", async () => {
    const config = await loadConfig(undefined);
    expect(() => createPlanStep(config, new SiteEnergy(config.sites))).toThrow(/planning\.planner is 'predictive'/);
  });
});
