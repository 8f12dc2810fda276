// The plan step reads each service's demand from the filter reports once they name it, the
// configured demand_rps before, and forecasts it over the horizon from the observed history.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { LATENCY_BOUNDS_MS, type ReportEntry } from "../../../controller/ingest/reports/decode.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import type { Plan } from "../../../controller/plan/plan.js";
import { createPlanStep } from "../../../controller/plan/plan-step.js";

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

const entry = (service: string, upstream: string, requests: number): ReportEntry => ({
  tableVersion: 1n, service, upstream, requests, responses: 0, responses5xx: 0, latencyBuckets: LATENCY_BOUNDS_MS.map(() => 0),
});

describe("plan step demand", () => {
  it("plans against the configured prior before reports, then against observed demand, and records both", async () => {
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    let plan: Plan | null = null;
    const step = createPlanStep(config, new SiteEnergy(config.sites), { observations, onPlan: (p) => (plan = p) });

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
    expect(second.demand![0]).toEqual({ service: "shop.example.com", demandRps: 900, source: "observed", demandForecastRps: new Array(12).fill(900) });
    expect(second.demand![1]!.source).toBe("configured");
    expect(plan!.services.map((s) => s.demandRps)).toEqual([900, 300]);
  });

  it("keeps the observed history across steps: the forecast follows its recent level", async () => {
    const config = await loadConfig(undefined);
    const observations = new Observations(config.services);
    const step = createPlanStep(config, new SiteEnergy(config.sites), { observations });
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
    expect(shop.demandForecastRps).toHaveLength(12);
    // The mean of the 5-minute means of those observations: near 100, the same at every step (no yesterday).
    expect(new Set(shop.demandForecastRps).size).toBe(1);
    expect(shop.demandForecastRps[0]).toBeGreaterThan(95);
    expect(shop.demandForecastRps[0]).toBeLessThan(110);
  });
});
