// The scenarios shipped in bench/simulator/scenarios load, and hold the properties their
// comments claim: size, no NaN, capacity enough for demand, PV significant but not enough.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../../../bench/simulator/scenario/load-scenario.js";
import type { Scenario } from "../../../../bench/simulator/scenario/scenario.js";

const scenarios = fileURLToPath(new URL("../../../../bench/simulator/scenarios/", import.meta.url));
const load = (name: string, days?: number): Scenario => loadScenario(`${scenarios}${name}.yaml`, days === undefined ? {} : { days });

function allFinite(s: Scenario): boolean {
  const series = [...s.sites.flatMap((x) => [x.pvWatts, x.carbonGPerKwh]), ...s.services.map((x) => x.demandRps)];
  return series.every((a) => a.length === s.steps && a.every((v) => Number.isFinite(v) && v >= 0));
}

/** For every set of services, the usable capacity of the sites that run them covers their demand at every step. */
function capacityCoversDemand(s: Scenario): boolean {
  const capacity = new Map(s.sites.map((x) => [x.name, x.capacityRps * (1 - s.headroom)]));
  for (let mask = 1; mask < 1 << s.services.length; mask++) {
    const chosen = s.services.filter((_, i) => mask & (1 << i));
    const sites = new Set(chosen.flatMap((x) => x.sites));
    const usable = [...sites].reduce((sum, name) => sum + capacity.get(name)!, 0);
    for (let k = 0; k < s.steps; k++) {
      if (chosen.reduce((sum, x) => sum + x.demandRps[k]!, 0) > usable) return false;
    }
  }
  return true;
}

describe("bundled scenarios", () => {
  const def = load("default");

  it("default: the whole PV trace at 5-minute steps, 10 sites, 5 services, no NaN", () => {
    // The Solcast file holds 2022-06-08 00:05 to 2022-07-07 00:00: 29 days of 288 steps.
    expect(def).toMatchObject({ name: "default", stepSeconds: 300, startMs: Date.UTC(2022, 5, 8, 0, 5), steps: 8352, headroom: 0.15 });
    expect(def.sites).toHaveLength(10);
    expect(def.services).toHaveLength(5);
    expect(allFinite(def)).toBe(true);
    expect(def.regions.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1, 12);
    for (const r of def.regions) expect(Object.keys(r.latencyMs).sort()).toEqual(def.sites.map((x) => x.name).sort());
    for (const x of def.services) expect(x.latencySloMs).toBeGreaterThan(0);
  });

  it("default: exactly one off-grid site, and it has PV and a battery", () => {
    const offGrid = def.sites.filter((x) => !x.gridConnected);
    expect(offGrid.map((x) => x.name)).toEqual(["mexico-city"]);
    const site = offGrid[0]!;
    expect(site.battery.capacityWh).toBeGreaterThan(0);
    // Its PV covers its base load every day (the off-grid site can live), with energy to spare.
    const stepsPerDay = 86_400 / def.stepSeconds;
    for (let day = 0; day < def.steps / stepsPerDay; day++) {
      const pvWh = def.sites[4]!.pvWatts.subarray(day * stepsPerDay, (day + 1) * stepsPerDay).reduce((a, v) => a + v, 0) * def.stepSeconds / 3600;
      expect(pvWh).toBeGreaterThan(site.baseLoadWatts * 24);
    }
  });

  it("default: capacity after headroom covers every set of services at every step, and demand is not trivial", () => {
    expect(capacityCoversDemand(def)).toBe(true);
    let peak = 0;
    for (let k = 0; k < def.steps; k++) peak = Math.max(peak, def.services.reduce((sum, x) => sum + x.demandRps[k]!, 0));
    const usable = def.sites.reduce((sum, x) => sum + x.capacityRps, 0) * (1 - def.headroom);
    expect(peak / usable).toBeGreaterThan(0.5);
    expect(peak / usable).toBeLessThan(0.8);
  });

  it("default: PV is significant but cannot carry every grid-connected site at night", () => {
    for (const site of def.sites.filter((x) => x.gridConnected)) {
      const peak = site.pvWatts.reduce((m, v) => Math.max(m, v), 0);
      expect(peak).toBeGreaterThan(site.baseLoadWatts); // at noon it carries the site
      expect(site.pvWatts.some((v) => v === 0)).toBe(true); // and it has nights
      expect(site.carbonGPerKwh.every((v) => v > 0)).toBe(true);
    }
  });

  it("default: San Francisco's carbon is the CAISO North MOER of a year later, converted from lbs/MWh", () => {
    const sf = def.sites.find((x) => x.name === "san-francisco")!;
    // First row of 2023-06-08 00:05:00 in the file: 432.27352861 lbs/MWh.
    expect(sf.carbonGPerKwh[0]).toBeCloseTo(432.27352861 * 0.453592, 9);
  });

  it("--days shortens the run: the same values for the steps kept", () => {
    const two = load("default", 2);
    expect(two.steps).toBe(576);
    expect([...two.sites[0]!.pvWatts]).toEqual([...def.sites[0]!.pvWatts.subarray(0, 576)]);
    expect([...two.services[1]!.demandRps]).toEqual([...def.services[1]!.demandRps.subarray(0, 576)]);
    expect(two.sites[0]!.pvPeakWatts).toBe(def.sites[0]!.pvPeakWatts);
    expect(() => load("default", 30)).toThrow(/sites\[0\]\.pv: .*solcast-10-sites-5min-2022-06\.csv \(trace "solar"\) covers 2022-06-08 00:05:00 to 2022-07-07 00:00:00/);
  });

  it("faults: 3 days, 4 sites, one fault of each kind and a grid outage, as step windows", () => {
    const s = load("faults");
    expect(s.steps).toBe(864);
    expect(s.sites).toHaveLength(4);
    expect(allFinite(s)).toBe(true);
    expect(capacityCoversDemand(s)).toBe(true);
    // 2022-06-10 18:00 is 216 steps after the start at 00:00; +30h is step 360; +48h step 576.
    expect(s.faults).toEqual([
      { kind: "site_outage", site: "san-francisco", fromStep: 216, toStep: 252 },
      { kind: "latency_spike", site: "berlin", addedMs: 120, fromStep: 360, toStep: 384 },
      { kind: "battery_fault", site: "sydney", fromStep: 576, toStep: 864 },
    ]);
    expect(s.sites.find((x) => x.name === "stockholm")!.gridOutages).toEqual([{ fromStep: 480, toStep: 552 }]);
  });

  it("short: 1 day, 3 sites (one off-grid), 2 services", () => {
    const s = load("short");
    expect(s.steps).toBe(288);
    expect(s.sites.map((x) => [x.name, x.gridConnected])).toEqual([["berlin", true], ["san-francisco", true], ["mexico-city", false]]);
    expect(s.services.map((x) => x.name)).toEqual(["web", "api"]);
    expect(allFinite(s)).toBe(true);
    expect(capacityCoversDemand(s)).toBe(true);
  });
});
