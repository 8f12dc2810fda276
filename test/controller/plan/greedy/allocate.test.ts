import { describe, expect, it } from "vitest";
import { allocate, type SitePool } from "../../../../controller/plan/greedy/allocate.js";

const pool = (limitRps: number, renewableRps: number, carbonGPerKwh: number): SitePool => ({ limitRps, renewableRps, carbonGPerKwh });

describe("allocate", () => {
  it("takes renewable power first, then grid power from the lowest intensity up", () => {
    const a = allocate([pool(80, 30, 500), pool(80, 0, 100), pool(80, 0, 200)], [{ demandRps: 150, sites: [0, 1, 2] }]);
    // 30 renewable at site 0; then 80 at 100 g; then 40 at 200 g (site 0's grid is the dirtiest).
    expect(a.rps[0]).toEqual([30, 80, 40]);
    expect(a.shares[0]).toEqual([0.2, 80 / 150, 40 / 150]);
    expect(a.shortfall).toBe(false);
  });

  it("counts renewable power only up to the site's limit", () => {
    const a = allocate([pool(50, 500, 300), pool(100, 0, 100)], [{ demandRps: 100, sites: [0, 1] }]);
    expect(a.rps[0]).toEqual([50, 50]);
  });

  it("places the service with fewer sites first in every tier", () => {
    const pools = [pool(80, 80, 100), pool(80, 0, 50)];
    const a = allocate(pools, [{ demandRps: 100, sites: [0, 1] }, { demandRps: 60, sites: [0] }]);
    expect(a.rps[1]).toEqual([60]);
    expect(a.rps[0]).toEqual([20, 80]);
  });

  it("falls back to shares by limit for every service when one does not fit", () => {
    const a = allocate([pool(100, 0, 1), pool(300, 0, 2)], [{ demandRps: 500, sites: [0, 1] }, { demandRps: 10, sites: [1] }]);
    expect(a.shortfall).toBe(true);
    expect(a.shares).toEqual([[0.25, 0.75], [1]]);
    expect(a.rps).toEqual([[125, 375], [10]]);
  });

  it("gives a service without sites no shares and does not call that a shortfall", () => {
    const a = allocate([pool(10, 0, 1)], [{ demandRps: 50, sites: [] }]);
    expect(a).toEqual({ shortfall: false, rps: [[]], shares: [[]] });
  });

  it("weights an idle service by what is left: renewable, else the cleanest spare capacity", () => {
    const pools = [pool(80, 40, 300), pool(80, 0, 50), pool(80, 0, 100)];
    const busy = { demandRps: 40, sites: [0] };
    expect(allocate(pools, [busy, { demandRps: 0, sites: [0, 1, 2] }]).shares[1]).toEqual([0, 1, 0]);
    expect(allocate(pools, [{ demandRps: 0, sites: [0, 1, 2] }]).shares[0]).toEqual([1, 0, 0]);
  });
});
