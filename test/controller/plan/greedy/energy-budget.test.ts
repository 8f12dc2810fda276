import { describe, expect, it } from "vitest";
import {
  batteryWatts, gridCarbonGPerHour, latencyOverLimit, plannedPvWatts, renewableRps, renewableWatts, siteLimit,
} from "../../../../controller/plan/greedy/energy-budget.js";
import { resolvePlannerOptions } from "../../../../controller/plan/planner-options.js";
import { site } from "../support/plan-inputs.js";

const options = resolvePlannerOptions();

describe("energy model", () => {
  it("averages PV over now and the forecast", () => {
    expect(plannedPvWatts(site("a", { pvNowWatts: 300, pvForecastWatts: [200, 100] }))).toBe(200);
    expect(plannedPvWatts(site("a", { pvNowWatts: 300 }))).toBe(300);
  });

  it("spreads battery energy above the reserve over the horizon", () => {
    // (0.8 − 0.2) × 2,000 Wh = 1,200 Wh over 1 h; over 2 h, half the power.
    expect(batteryWatts(site("a", { batteryWh: 2000, batterySoc: 0.8 }), options)).toBeCloseTo(1200, 9);
    expect(batteryWatts(site("a", { batteryWh: 2000, batterySoc: 0.8 }), resolvePlannerOptions({ horizonSeconds: 7200 }))).toBeCloseTo(600, 9);
    expect(batteryWatts(site("a", { batteryWh: 2000, batterySoc: 0.1 }), options)).toBe(0);
  });

  it("covers the base load before any request, and never goes negative", () => {
    const s = site("a", { pvNowWatts: 500, batteryWh: 1000, batterySoc: 0.3, baseLoadWatts: 200, wattsPerRps: 3 });
    // 500 + 100 − 200 = 400 W → 133.3 rps.
    expect(renewableWatts(s, options)).toBeCloseTo(400, 9);
    expect(renewableRps(s, options)).toBeCloseTo(400 / 3, 9);
    expect(renewableWatts(site("a", { pvNowWatts: 50, baseLoadWatts: 200 }), options)).toBe(0);
  });

  it("limits a healthy site to capacity × (1 − headroom)", () => {
    expect(siteLimit(site("a", { capacityRps: 250 }), options)).toEqual({ eligible: true, limitRps: 200, latencyHeld: false });
  });

  it("holds a slow site at its observed load, but never above its capacity limit", () => {
    expect(siteLimit(site("a", { latencyP95Ms: 600, loadRps: 40 }), options)).toEqual({ eligible: true, limitRps: 40, latencyHeld: true });
    expect(siteLimit(site("a", { latencyP95Ms: 600, loadRps: 95 }), options)).toEqual({ eligible: true, limitRps: 80, latencyHeld: false });
    expect(siteLimit(site("a", { latencyP95Ms: 600, loadRps: 0 }), options)).toEqual({ eligible: false, reason: "latency_over_limit" });
  });

  it("starts the latency hold above the limit and ends it only below limit × latencyReleaseFraction", () => {
    const over = (p95: number, heldBefore: boolean) => latencyOverLimit(site("a", { latencyP95Ms: p95 }), options, heldBefore);
    // Defaults: limit 500 ms, release below 400 ms.
    expect([0, 250, 400, 500].map((p) => over(p, false))).toEqual([false, false, false, false]);
    expect([501, 1000, 5000].map((p) => over(p, false))).toEqual([true, true, true]);
    expect([400, 450, 500, 1000].map((p) => over(p, true))).toEqual([true, true, true, true]);
    expect([0, 250, 399].map((p) => over(p, true))).toEqual([false, false, false]);
    const noBand = resolvePlannerOptions({ latencyReleaseFraction: 1 });
    expect(latencyOverLimit(site("a", { latencyP95Ms: 499 }), noBand, true)).toBe(false);
    expect(latencyOverLimit(site("a", { latencyP95Ms: 500 }), noBand, true)).toBe(true);
  });

  it("keeps a held site at its observed load inside the hysteresis band", () => {
    const s = site("a", { latencyP95Ms: 450, loadRps: 40 });
    expect(siteLimit(s, options, true)).toEqual({ eligible: true, limitRps: 40, latencyHeld: true });
    expect(siteLimit(s, options, false)).toEqual({ eligible: true, limitRps: 80, latencyHeld: false });
    expect(siteLimit(s, options)).toEqual({ eligible: true, limitRps: 80, latencyHeld: false });
    // No evidence (p95 0: too few responses) releases a held site: it must not stay out for want of traffic.
    expect(siteLimit(site("a", { latencyP95Ms: 0, loadRps: 0 }), options, true)).toEqual({ eligible: true, limitRps: 80, latencyHeld: false });
  });

  it("says why a site may take nothing", () => {
    expect(siteLimit(site("a", { health: "unhealthy" }), options)).toEqual({ eligible: false, reason: "unhealthy" });
    expect(siteLimit(site("a", { health: "draining" }), options)).toEqual({ eligible: false, reason: "drain_requested" });
    expect(siteLimit(site("a", { capacityRps: 0 }), options)).toEqual({ eligible: false, reason: "no_capacity" });
  });

  it("prices grid requests in grams of CO2 per hour", () => {
    // 50 rps × 4 W = 200 W = 0.2 kW at 300 g/kWh → 60 g/h.
    expect(gridCarbonGPerHour(site("a", { wattsPerRps: 4, gridCarbonGPerKwh: 300 }), 50)).toBeCloseTo(60, 9);
  });
});
