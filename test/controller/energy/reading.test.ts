import { describe, expect, it } from "vitest";
import { parseReadings } from "../../../controller/energy/reading.js";
import { SiteEnergy } from "../../../controller/energy/site-energy.js";
import { loadConfig } from "../../../controller/config/load.js";

const NOW = Date.UTC(2026, 5, 21, 12);
const sites = new Set(["berlin", "sydney"]);
const reading = (extra: object) => ({ readings: [{ site: "berlin", timestamp: NOW, ...extra }] });

describe("energy readings", () => {
  it("accepts a full reading, ISO or millisecond timestamps", () => {
    const { value, error } = parseReadings({
      readings: [
        { site: "berlin", timestamp: new Date(NOW).toISOString(), pv_watts: 1200.5, battery_soc_percent: 100,
          battery_capacity_wh: 40_000, grid_carbon_g_per_kwh: 380, health: "healthy",
          forecast: [{ timestamp: NOW + 300_000, pv_watts: 1300 }] },
        { site: "sydney", timestamp: NOW, health: "draining" },
      ],
    }, sites, NOW);
    expect(error).toBeUndefined();
    expect(value).toEqual([
      { site: "berlin", atMs: NOW, pvWatts: 1200.5, batterySocPercent: 100, batteryCapacityWh: 40_000, gridCarbon: 380,
        health: "healthy", forecast: [{ atMs: NOW + 300_000, pvWatts: 1300 }] },
      { site: "sydney", atMs: NOW, health: "draining" },
    ]);
  });

  const bad: Array<[string, unknown, string]> = [
    ["negative power", reading({ pv_watts: -1 }), "readings.0.pv_watts"],
    ["NaN power", reading({ pv_watts: Number.NaN }), "readings.0.pv_watts"],
    ["infinite power", reading({ pv_watts: Number.POSITIVE_INFINITY }), "readings.0.pv_watts"],
    ["SoC over 100 %", reading({ battery_soc_percent: 100.1 }), "readings.0.battery_soc_percent"],
    ["negative carbon", reading({ grid_carbon_g_per_kwh: -5 }), "readings.0.grid_carbon_g_per_kwh"],
    ["unknown health", reading({ health: "sunny" }), "readings.0.health"],
    ["unknown field", reading({ pv_wats: 1 }), "readings.0"],
    ["unknown site", { readings: [{ site: "paris", timestamp: NOW }] }, "readings.0.site"],
    ["future timestamp", { readings: [{ site: "berlin", timestamp: NOW + 3_600_000 }] }, "readings.0.timestamp"],
    ["ancient timestamp", { readings: [{ site: "berlin", timestamp: NOW - 2 * 86_400_000 }] }, "readings.0.timestamp"],
    ["bad ISO time", { readings: [{ site: "berlin", timestamp: "yesterday" }] }, "readings.0.timestamp"],
    ["forecast before reading", reading({ forecast: [{ timestamp: NOW - 1, pv_watts: 1 }] }), "readings.0.forecast.0.timestamp"],
    ["empty batch", { readings: [] }, "readings"],
    ["not an object", "hello", "(body)"],
  ];
  for (const [name, input, field] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      const { error } = parseReadings(input, sites, NOW);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe(field);
    });
  }

  it("refuses a whole batch for one bad reading, so nothing is half-applied", async () => {
    const energy = new SiteEnergy((await loadConfig(undefined)).sites);
    const batch = { readings: [
      { site: "berlin", timestamp: NOW, pv_watts: 5000 },
      { site: "sydney", timestamp: NOW, battery_soc_percent: 120 },
    ] };
    const { error } = parseReadings(batch, energy.siteNames, NOW);
    expect(error?.field).toBe("readings.1.battery_soc_percent");
    expect(energy.get("berlin")?.pvWatts).toBe(0);
    expect(energy.currentRevision).toBe(0);
  });

  it("applies readings in time order per site and keeps a bounded PV history", async () => {
    const energy = new SiteEnergy((await loadConfig(undefined)).sites);
    let changes = 0;
    energy.onChange(() => changes++);
    energy.apply([{ site: "berlin", atMs: NOW, pvWatts: 10, health: "unhealthy" }]);
    energy.apply([{ site: "berlin", atMs: NOW - 1, pvWatts: 99 }]);
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 10, health: "unhealthy", pvHistory: [{ atMs: NOW, pvWatts: 10 }] });
    expect(changes).toBe(2);
  });
});
