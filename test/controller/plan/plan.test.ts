import { describe, expect, it } from "vitest";
import { decodeTable } from "../../../controller/table/decode.js";
import { encodeTable } from "../../../controller/table/encode.js";
import { planToServices, SITE_REASONS } from "../../../controller/plan/plan.js";
import { createPlanner } from "../../../controller/plan/greedy/greedy-planner.js";
import { service, site, T0 } from "./support/plan-inputs.js";

const plan = createPlanner().plan({
  nowMs: T0,
  sites: [site("eu", { pvNowWatts: 60 }), site("us", { health: "unhealthy" }), site("ap", { gridCarbonGPerKwh: 30 })],
  services: [service("shop.prod.svc", 100, ["eu", "us", "ap"]), service("auth.prod.svc", 10, ["us"])],
});

describe("planToServices", () => {
  it("turns a plan into weight table services, sorted by key, without canary weights", () => {
    expect(planToServices(plan)).toEqual([
      { key: "auth.prod.svc", upstreams: [{ name: "auth.prod.svc-us", weight: 0, canaryWeight: 0, draining: true }] },
      {
        key: "shop.prod.svc",
        upstreams: [
          { name: "shop.prod.svc-eu", weight: 6000, canaryWeight: 0, draining: false },
          { name: "shop.prod.svc-us", weight: 0, canaryWeight: 0, draining: true },
          { name: "shop.prod.svc-ap", weight: 4000, canaryWeight: 0, draining: false },
        ],
      },
    ]);
  });

  it("gives services the table encoder accepts and a decoder reads back unchanged", () => {
    const table = { version: 7n, issuedAtMs: BigInt(T0), ttlMs: 60_000, canaryBp: null, services: planToServices(plan) };
    expect(decodeTable(encodeTable(table)).value).toEqual(table);
  });
});

describe("site explanations", () => {
  it("cover every site in input order, with reasons from the fixed list only", () => {
    expect(plan.sites.map((s) => s.site)).toEqual(["eu", "us", "ap"]);
    for (const s of plan.sites) for (const r of s.reasons) expect(SITE_REASONS).toContain(r);
  });

  it("add up: planned = renewable + grid, and the services' demand is all placed", () => {
    for (const s of plan.sites) expect(s.renewableRps + s.gridRps).toBeCloseTo(s.plannedRps, 9);
    expect(plan.sites.reduce((a, s) => a + s.plannedRps, 0)).toBeCloseTo(100, 9);
    expect(plan.sites.map((s) => s.reasons)).toEqual([["renewable"], ["unhealthy"], ["grid"]]);
  });
});
