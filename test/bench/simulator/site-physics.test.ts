import { describe, expect, it } from "vitest";
import { stepSite } from "../../../bench/simulator/site-physics.js";
import type { SimSite } from "../../../bench/simulator/scenario/scenario.js";

const site = (over: Partial<SimSite["battery"]> = {}): SimSite => ({
  name: "a", latitudeDeg: 0, longitudeDeg: 0, capacityRps: 100, pvPeakWatts: 1000, baseLoadWatts: 100, wattsPerRps: 2,
  battery: { capacityWh: 1000, chargeWatts: 400, dischargeWatts: 300, roundTripEfficiency: 0.81, reserveSoc: 0.2, initialSoc: 0.5, ...over },
  gridConnected: true, gridOutages: [], pvWatts: new Float64Array(0), carbonGPerKwh: new Float64Array(0),
});
const base = { stepHours: 1, gridAvailable: true, batteryAvailable: true, running: true };

describe("one site over one step", () => {
  it("PV covers the load first and its surplus charges the battery at √e, within the charge limit", () => {
    // load 100 + 2 × 50 = 200 W; PV 800: surplus 600, limited to 400 W; stored 400 × 0.9 = 360 Wh.
    const out = stepSite({ ...base, site: site(), pvWatts: 800, loadRps: 50 }, 500);
    expect(out.demandWatts).toBe(200);
    expect(out.pvUsedWatts).toBe(200);
    expect(out.chargeWatts).toBe(400);
    expect(out.storedWh).toBeCloseTo(860, 9);
    expect(out.gridWatts).toBe(0);
  });

  it("a deficit draws on the battery above its reserve (losing √e), then on the grid", () => {
    // load 100 + 2 × 200 = 500 W, no PV; battery gives at most 300 W (limit), costing 300 / 0.9 Wh.
    const out = stepSite({ ...base, site: site(), pvWatts: 0, loadRps: 200 }, 800);
    expect(out.batteryWatts).toBe(300);
    expect(out.storedWh).toBeCloseTo(800 - 300 / 0.9, 9);
    expect(out.gridWatts).toBeCloseTo(200, 9);
    // Just above the reserve (200 Wh): only 50 Wh × 0.9 = 45 W this hour.
    const low = stepSite({ ...base, site: site(), pvWatts: 0, loadRps: 200 }, 250);
    expect(low.batteryWatts).toBeCloseTo(45, 9);
    expect(low.storedWh).toBeCloseTo(200, 9);
    expect(low.gridWatts).toBeCloseTo(455, 9);
  });

  it("without grid power an unmet deficit is reported, never drawn from a grid", () => {
    const out = stepSite({ ...base, gridAvailable: false, site: site(), pvWatts: 0, loadRps: 200 }, 250);
    expect(out.gridWatts).toBe(0);
    expect(out.unmetWatts).toBeCloseTo(455, 9);
  });

  it("a battery fault leaves the stored energy as it is; an outage draws nothing", () => {
    const fault = stepSite({ ...base, batteryAvailable: false, site: site(), pvWatts: 900, loadRps: 0 }, 300);
    expect(fault.storedWh).toBe(300);
    expect(fault.chargeWatts).toBe(0);
    const down = stepSite({ ...base, running: false, site: site(), pvWatts: 0, loadRps: 80 }, 300);
    expect(down.demandWatts).toBe(0);
    expect(down.gridWatts).toBe(0);
  });

  it("never stores more than the capacity", () => {
    const out = stepSite({ ...base, site: site({ chargeWatts: 10_000 }), pvWatts: 5_000, loadRps: 0 }, 990);
    expect(out.storedWh).toBeCloseTo(1000, 9);
  });
});
