import { describe, expect, it } from "vitest";
import { checkPlanInput } from "../../../controller/plan/check-input.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import { DEFAULT_PLANNER_OPTIONS, PlannerError, resolvePlannerOptions } from "../../../controller/plan/planner-options.js";
import type { PlanInput } from "../../../controller/plan/site-state.js";
import { input, service, site, T0 } from "./support/plan-inputs.js";

describe("planner options", () => {
  it("start from the exported defaults", () => {
    expect(DEFAULT_PLANNER_OPTIONS).toEqual({
      weightScale: 10_000, headroom: 0.2, maxStep: 0.1, stepIntervalSeconds: 5, hysteresis: 0.02,
      batteryReserveSoc: 0.2, horizonSeconds: 3_600, latencyLimitMs: 500, latencyReleaseFraction: 0.8,
    });
    expect(createPlanner().options).toEqual(DEFAULT_PLANNER_OPTIONS);
    expect(createPlanner({ headroom: 0.3 }).options).toEqual({ ...DEFAULT_PLANNER_OPTIONS, headroom: 0.3 });
    expect(Object.isFrozen(DEFAULT_PLANNER_OPTIONS)).toBe(true);
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ weightScale: 0 }, "planner option 'weightScale': expected an integer from 1 to 4294967295, got 0"],
    [{ weightScale: 2.5 }, "option 'weightScale'"],
    [{ weightScale: 2 ** 32 }, "option 'weightScale'"],
    [{ headroom: 1 }, "planner option 'headroom': expected a number from 0 up to (not including) 1, got 1"],
    [{ headroom: -0.1 }, "option 'headroom'"],
    [{ headroom: Number.NaN }, "option 'headroom'"],
    [{ maxStep: 0 }, "option 'maxStep'"],
    [{ maxStep: 1.5 }, "option 'maxStep'"],
    [{ stepIntervalSeconds: 0 }, "planner option 'stepIntervalSeconds': expected a number of seconds above 0, got 0"],
    [{ stepIntervalSeconds: Number.POSITIVE_INFINITY }, "option 'stepIntervalSeconds'"],
    [{ hysteresis: 0.2 }, "planner option 'hysteresis': expected a number from 0 to maxStep (0.1), got 0.2"],
    [{ batteryReserveSoc: 2 }, "option 'batteryReserveSoc'"],
    [{ horizonSeconds: 0 }, "option 'horizonSeconds'"],
    [{ latencyLimitMs: 0 }, "option 'latencyLimitMs'"],
    [{ latencyLimitMs: "fast" }, "option 'latencyLimitMs'"],
    [{ latencyReleaseFraction: 0 }, "planner option 'latencyReleaseFraction': expected a number above 0, at most 1, got 0"],
    [{ latencyReleaseFraction: 1.2 }, "option 'latencyReleaseFraction'"],
    [{ headroon: 0.2 }, "planner option 'headroon': unknown option"],
  ];
  for (const [overrides, message] of bad) {
    it(`refuse ${JSON.stringify(overrides)} naming the option`, () => {
      expect(() => resolvePlannerOptions(overrides as never)).toThrow(PlannerError);
      expect(() => createPlanner(overrides as never)).toThrow(message);
    });
  }
});

describe("plan input checks", () => {
  const ok = input([site("a"), site("b")], 10);
  const withSite = (fields: Record<string, unknown>): PlanInput => ({ ...ok, sites: [site("a"), { ...site("b"), ...fields }] });
  const withUpstreams = (...pairs: [string, string][]): PlanInput => ({
    ...ok,
    services: [{ service: "api", demandRps: 1, upstreams: pairs.map(([s, upstream]) => ({ site: s, upstream })) }],
  });

  it("accept a well-formed input", () => {
    expect(() => checkPlanInput(ok)).not.toThrow();
  });

  const cases: [string, PlanInput, string][] = [
    ["NaN power", withSite({ pvNowWatts: Number.NaN }), "planner sites[1].pvNowWatts: expected a finite number ≥ 0, got NaN"],
    ["negative energy", withSite({ batteryWh: -1 }), "sites[1].batteryWh"],
    ["a negative forecast", withSite({ pvForecastWatts: [1, -2] }), "sites[1].pvForecastWatts[1]"],
    ["infinite capacity", withSite({ capacityRps: Number.POSITIVE_INFINITY }), "sites[1].capacityRps"],
    ["zero watts per rps", withSite({ wattsPerRps: 0 }), "sites[1].wattsPerRps: expected a finite number > 0, got 0"],
    ["a state of charge over 1", withSite({ batterySoc: 1.2 }), "sites[1].batterySoc"],
    ["an unknown health", withSite({ health: "sleepy" }), "sites[1].health"],
    ["a duplicate site", { ...ok, sites: [site("a"), site("a")] }, "sites[1].site: duplicate site, got 'a'"],
    ["an unknown site", { ...ok, services: [service("api", 1, ["a", "zz"])] }, "services[0].upstreams[1].site: no such site in sites, got 'zz'"],
    ["two upstreams in one site", withUpstreams(["a", "x"], ["a", "y"]), "services[0].upstreams[1].site"],
    ["a duplicate upstream name", withUpstreams(["a", "x"], ["b", "x"]), "services[0].upstreams[1].upstream: duplicate upstream name"],
    ["no upstreams", { ...ok, services: [{ service: "api", demandRps: 1, upstreams: [] }] }, "services[0].upstreams: expected 1 to 64 upstreams, got 0"],
    ["a negative demand", { ...ok, services: [service("api", -5, ["a"])] }, "services[0].demandRps"],
    ["a duplicate service", { ...ok, services: [service("api", 1, ["a"]), service("api", 1, ["b"])] }, "services[1].service: duplicate service"],
    ["a bad time", { ...ok, nowMs: Number.NaN }, "planner nowMs"],
  ];
  for (const [what, bad, message] of cases) {
    it(`refuse ${what}, naming the field`, () => {
      expect(() => createPlanner().plan(bad)).toThrow(message);
    });
  }

  it("never mutate the input", () => {
    const frozen = structuredClone({ nowMs: T0, sites: [site("a", { pvNowWatts: 50 }), site("b")], services: [service("api", 90, ["a", "b"])] });
    const copy = structuredClone(frozen);
    createPlanner().plan(frozen, createPlanner().plan(frozen));
    expect(frozen).toEqual(copy);
  });
});
