import { describe, expect, it } from "vitest";
import { createPlanner } from "../../../../controller/plan/greedy/greedy-planner.js";
import { input, service, site, siteOf, T0, weightsOf } from "../support/plan-inputs.js";

// Defaults throughout: scale 10,000, headroom 0.2 (a 100 rps site takes at most 80 rps),
// maxStep 0.1 (1,000 units), hysteresis 0.02 (200 units).
const planner = createPlanner();

describe("renewable surplus first", () => {
  it("fills a sunny site up to its headroom limit, then the lowest-carbon grid", () => {
    // sun: 1,000 W at 2 W/rps = 500 rps renewable, but limit 80; dirtiest grid, which must not matter.
    const plan = planner.plan(input([
      site("sun", { pvNowWatts: 1000, wattsPerRps: 2, gridCarbonGPerKwh: 400 }),
      site("clean", { gridCarbonGPerKwh: 100 }),
      site("dirty", { gridCarbonGPerKwh: 300 }),
    ], 150));
    // sun 80/150 = 5333.3, clean 70/150 = 4666.7 → the spare unit goes to the larger remainder.
    expect(weightsOf(plan)).toEqual([5333, 4667, 0]);
    expect(plan.shortfall).toBe(false);
    expect(siteOf(plan, "sun")).toMatchObject({ limitRps: 80, renewableCapacityRps: 500, gridRps: 0, reasons: ["renewable", "at_limit"] });
    expect(siteOf(plan, "sun").plannedRps).toBeCloseTo(79.995, 6);
    expect(siteOf(plan, "clean").gridRps).toBeCloseTo(70.005, 6);
    expect(siteOf(plan, "clean").gridCarbonGPerHour).toBeCloseTo(70.005 * 1 * 100 / 1000, 6);
    expect(siteOf(plan, "dirty").reasons).toEqual(["idle"]);
  });

  it("splits demand below the total surplus in proportion to each site's surplus", () => {
    // a: 60 rps renewable, b: 20 rps renewable; demand 40 takes half of each.
    const plan = planner.plan(input([site("a", { pvNowWatts: 60 }), site("b", { pvNowWatts: 20 }), site("c")], 40));
    expect(weightsOf(plan)).toEqual([7500, 2500, 0]);
  });

  it("covers the base load before counting a surplus, and averages the forecast in", () => {
    // mean(100, 60, 20) = 60 W, base 30 W → 30 W → 15 rps at 2 W/rps.
    const plan = planner.plan(input([
      site("dusk", { pvNowWatts: 100, pvForecastWatts: [60, 20], baseLoadWatts: 30, wattsPerRps: 2, gridCarbonGPerKwh: 500 }),
      site("grid", { gridCarbonGPerKwh: 200 }),
    ], 30));
    expect(siteOf(plan, "dusk").renewableCapacityRps).toBe(15);
    expect(weightsOf(plan)).toEqual([5000, 5000]);
  });
});

describe("grid power when renewables run out", () => {
  it("prefers the lowest-carbon grid site at night", () => {
    const plan = planner.plan(input([
      site("coal", { gridCarbonGPerKwh: 300 }),
      site("hydro", { gridCarbonGPerKwh: 50 }),
      site("mix", { gridCarbonGPerKwh: 120 }),
    ], 100));
    expect(weightsOf(plan)).toEqual([0, 8000, 2000]);
    expect(siteOf(plan, "hydro").reasons).toEqual(["grid", "at_limit"]);
    expect(siteOf(plan, "mix").reasons).toEqual(["grid"]);
  });

  it("counts battery energy above the reserve as renewable", () => {
    // (0.7 − 0.2) × 1,000 Wh over 1 h = 500 W → 50 rps at 10 W/rps.
    const plan = planner.plan(input([
      site("battery", { batteryWh: 1000, batterySoc: 0.7, wattsPerRps: 10, gridCarbonGPerKwh: 400 }),
      site("hydro", { gridCarbonGPerKwh: 50, wattsPerRps: 10 }),
    ], 100));
    expect(weightsOf(plan)).toEqual([5000, 5000]);
    expect(siteOf(plan, "battery").renewableRps).toBeCloseTo(50, 9);
    expect(siteOf(plan, "battery").gridRps).toBeCloseTo(0, 9);
    expect(siteOf(plan, "battery").reasons).toEqual(["renewable"]);
  });

  it("splits equal carbon intensities in proportion to capacity", () => {
    const plan = planner.plan(input([site("a", { capacityRps: 300 }), site("b", { capacityRps: 100 })], 100));
    expect(weightsOf(plan)).toEqual([7500, 2500]);
  });
});

describe("drained sites", () => {
  it("gives an unhealthy or draining site weight 0 and the draining flag", () => {
    const plan = planner.plan(input([
      site("down", { health: "unhealthy", pvNowWatts: 1000 }),
      site("leaving", { health: "draining", gridCarbonGPerKwh: 10 }),
      site("up"),
    ], 50));
    const upstreams = plan.services[0]!.upstreams;
    expect(upstreams.map((u) => [u.weight, u.draining])).toEqual([[0, true], [0, true], [10_000, false]]);
    expect(siteOf(plan, "down")).toMatchObject({ limitRps: 0, plannedRps: 0, reasons: ["unhealthy"] });
    expect(siteOf(plan, "leaving").reasons).toEqual(["drain_requested"]);
  });

  it("leaves a service with no eligible site at all weights 0, to fail open", () => {
    const plan = planner.plan(input([site("a", { health: "unhealthy" }), site("b", { capacityRps: 0 })], 10));
    expect(plan.services[0]).toMatchObject({ eligible: false });
    expect(plan.services[0]!.upstreams.map((u) => [u.weight, u.draining])).toEqual([[0, true], [0, false]]);
    expect(siteOf(plan, "b").reasons).toEqual(["no_capacity"]);
  });
});

describe("capacity", () => {
  it("spreads by capacity and says so when demand exceeds what the sites may take", () => {
    // Limits 80 + 160 + 240 = 480 < 600.
    const plan = planner.plan(input([
      site("s", { capacityRps: 100, pvNowWatts: 1000 }),
      site("m", { capacityRps: 200 }),
      site("l", { capacityRps: 300 }),
    ], 600));
    expect(plan.shortfall).toBe(true);
    expect(weightsOf(plan)).toEqual([1667, 3333, 5000]);
    expect(plan.services[0]!.damping).toBe("initial");
    expect(siteOf(plan, "l").reasons).toContain("capacity_shortfall");
  });

  it("shares a site's limit among services and places the one-site service first", () => {
    const plan = planner.plan({
      nowMs: T0,
      sites: [site("sun", { pvNowWatts: 1000, gridCarbonGPerKwh: 300 }), site("grid", { gridCarbonGPerKwh: 200 })],
      services: [service("wide", 60, ["sun", "grid"]), service("pinned", 50, ["sun"])],
    });
    // pinned takes 50 of sun's 80; wide gets the other 30 renewably and 30 from grid.
    expect(weightsOf(plan, "pinned")).toEqual([10_000]);
    expect(weightsOf(plan, "wide")).toEqual([5000, 5000]);
    expect(siteOf(plan, "sun").plannedRps).toBeCloseTo(80, 9);
  });

  it("holds a site whose latency is over the limit at its observed load", () => {
    const plan = planner.plan(input([
      site("slow", { pvNowWatts: 1000, latencyP95Ms: 900, loadRps: 30 }),
      site("fast", { gridCarbonGPerKwh: 300 }),
    ], 60));
    expect(weightsOf(plan)).toEqual([5000, 5000]);
    expect(siteOf(plan, "slow")).toMatchObject({ limitRps: 30, reasons: ["latency_over_limit", "renewable", "at_limit"] });
  });

  it("keeps the latency hold until p95 is below the release level (400 ms), not just below the limit", () => {
    const at = (p95: number) => input([
      site("slow", { pvNowWatts: 1000, latencyP95Ms: p95, loadRps: 30 }),
      site("fast", { gridCarbonGPerKwh: 300 }),
    ], 60);
    const held = planner.plan(at(1_000));
    expect(siteOf(held, "slow").reasons).toContain("latency_over_limit");
    // 500 and 400 are not above the limit, but not below the release level either: still held.
    const stillHeld = planner.plan(at(500), held);
    expect(siteOf(stillHeld, "slow")).toMatchObject({ limitRps: 30, reasons: ["latency_over_limit", "renewable", "at_limit"] });
    const atRelease = planner.plan(at(400), stillHeld);
    expect(siteOf(atRelease, "slow").limitRps).toBe(30);
    const released = planner.plan(at(250), atRelease);
    expect(siteOf(released, "slow")).toMatchObject({ limitRps: 80 });
    expect(siteOf(released, "slow").reasons).not.toContain("latency_over_limit");
    // Without a hold before, 500 ms does not start one.
    expect(siteOf(planner.plan(at(500), released), "slow").reasons).not.toContain("latency_over_limit");
    expect(siteOf(planner.plan(at(500)), "slow").limitRps).toBe(80);
  });
});

describe("idle services", () => {
  it("weights a service with no demand where its next request would go", () => {
    const plan = planner.plan({
      nowMs: T0,
      sites: [site("a", { gridCarbonGPerKwh: 50 }), site("b", { gridCarbonGPerKwh: 20 }), site("c", { pvNowWatts: 10 })],
      services: [service("quiet", 0, ["a", "b"]), service("sunny", 0, ["a", "c"])],
    });
    expect(weightsOf(plan, "quiet")).toEqual([0, 10_000]);
    expect(weightsOf(plan, "sunny")).toEqual([0, 10_000]);
    expect(plan.sites.every((s) => s.plannedRps === 0)).toBe(true);
  });
});
