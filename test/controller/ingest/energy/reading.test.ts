import { describe, expect, it } from "vitest";
import {
  MAX_BATCH_READINGS, MAX_CLOCK_SKEW_MS, MAX_FORECAST_HORIZON_MS, MAX_FORECAST_POINTS, parseReadings,
} from "../../../../controller/ingest/energy/reading.js";
import { TIMESTAMP_EXPECTED } from "../../../../controller/ingest/energy/timestamp.js";

const NOW = Date.UTC(2026, 5, 21, 12);
const sites = new Set(["berlin", "sydney"]);
const reading = (extra: object) => ({ readings: [{ site: "berlin", timestamp: NOW, ...extra }] });
const points = (n: number, stepMs = 300_000) => Array.from({ length: n }, (_, i) => ({ timestamp: NOW + i * stepMs, pv_watts: 1 }));

describe("energy readings", () => {
  it("accepts a full reading, ISO or millisecond timestamps", () => {
    const { value, error } = parseReadings({
      readings: [
        { site: "berlin", timestamp: new Date(NOW).toISOString(), pv_watts: 1200.5, battery_soc_percent: 100,
          battery_capacity_wh: 40_000, grid_carbon_g_per_kwh: 380, health: "healthy",
          forecast: [{ timestamp: NOW + 300_000, pv_watts: 1300 }] },
        { site: "sydney", timestamp: "2026-06-21T22:00:00+10:00", health: "draining" },
      ],
    }, sites, NOW);
    expect(error).toBeUndefined();
    expect(value).toEqual([
      { site: "berlin", atMs: NOW, pvWatts: 1200.5, batterySocPercent: 100, batteryCapacityWh: 40_000, gridCarbon: 380,
        health: "healthy", forecast: [{ atMs: NOW + 300_000, pvWatts: 1300 }] },
      { site: "sydney", atMs: NOW, health: "draining" },
    ]);
  });

  it("accepts every bound itself", () => {
    const { error } = parseReadings(reading({
      pv_watts: 1e9, battery_soc_percent: 0, battery_capacity_wh: 1e10, grid_carbon_g_per_kwh: 5_000,
      forecast: [...points(MAX_FORECAST_POINTS - 1), { timestamp: NOW + MAX_FORECAST_HORIZON_MS, pv_watts: 1e9 }],
    }), sites, NOW);
    expect(error).toBeUndefined();
  });

  const bad: Array<[string, unknown, string, RegExp]> = [
    ["negative power", reading({ pv_watts: -1 }), "readings.0.pv_watts", /expected watts ≥ 0/],
    ["NaN power", reading({ pv_watts: Number.NaN }), "readings.0.pv_watts", /./],
    ["infinite power", reading({ pv_watts: Number.POSITIVE_INFINITY }), "readings.0.pv_watts", /./],
    ["1e308 W", reading({ pv_watts: 1e308 }), "readings.0.pv_watts", /expected watts ≤ 1e9/],
    ["a forecast of 2 GW", reading({ forecast: [{ timestamp: NOW, pv_watts: 2e9 }] }), "readings.0.forecast.0.pv_watts", /≤ 1e9/],
    ["SoC over 100 %", reading({ battery_soc_percent: 100.1 }), "readings.0.battery_soc_percent", /0\.\.100 %/],
    ["a 1e11 Wh battery", reading({ battery_capacity_wh: 1e11 }), "readings.0.battery_capacity_wh", /Wh ≤ 1e10/],
    ["negative carbon", reading({ grid_carbon_g_per_kwh: -5 }), "readings.0.grid_carbon_g_per_kwh", /≥ 0/],
    ["carbon over 5000", reading({ grid_carbon_g_per_kwh: 5_001 }), "readings.0.grid_carbon_g_per_kwh", /≤ 5000/],
    ["unknown health", reading({ health: "sunny" }), "readings.0.health", /healthy/],
    ["health as a number", reading({ health: 1 }), "readings.0.health", /healthy/],
    ["unknown field", reading({ pv_wats: 1 }), "readings.0", /pv_wats/],
    ["unknown site", { readings: [{ site: "paris", timestamp: NOW }] }, "readings.0.site", /unknown site 'paris'/],
    ["a 64-character site", { readings: [{ site: "x".repeat(64), timestamp: NOW }] }, "readings.0.site", /at most 63/],
    ["empty site", { readings: [{ site: "", timestamp: NOW }] }, "readings.0.site", /site name/],
    ["future timestamp", { readings: [{ site: "berlin", timestamp: NOW + MAX_CLOCK_SKEW_MS + 1 }] }, "readings.0.timestamp", /in the future/],
    ["ancient timestamp", { readings: [{ site: "berlin", timestamp: NOW - 2 * 86_400_000 }] }, "readings.0.timestamp", /older than 24 h/],
    ["missing timestamp", { readings: [{ site: "berlin" }] }, "readings.0.timestamp", /^readings\.0\.timestamp: required; expected Unix/],
    ["fractional timestamp", reading({ timestamp: NOW + 0.5 }), "readings.0.timestamp", /expected Unix milliseconds as an integer/],
    ["timestamp in seconds", reading({ timestamp: NOW / 1000 }), "readings.0.timestamp", /from 2000-01-01 to 2200-01-01/],
    ["bad ISO time", reading({ timestamp: "yesterday" }), "readings.0.timestamp", /with offset, got "yesterday"/],
    ["ISO time without offset", reading({ timestamp: "2026-06-21T12:00:00" }), "readings.0.timestamp", /with offset/],
    ["timestamp as an object", reading({ timestamp: { ms: NOW } }), "readings.0.timestamp", /got object/],
    ["forecast before reading", reading({ forecast: [{ timestamp: NOW - 1, pv_watts: 1 }] }), "readings.0.forecast.0.timestamp", /at or after/],
    ["forecast point repeated", reading({ forecast: [{ timestamp: NOW, pv_watts: 1 }, { timestamp: NOW, pv_watts: 2 }] }),
      "readings.0.forecast.1.timestamp", /strictly increasing/],
    ["forecast out of order", reading({ forecast: [{ timestamp: NOW + 2, pv_watts: 1 }, { timestamp: NOW + 1, pv_watts: 2 }] }),
      "readings.0.forecast.1.timestamp", /strictly increasing/],
    ["forecast ten years ahead", reading({ forecast: [{ timestamp: NOW + 10 * 365 * 86_400_000, pv_watts: 1 }] }),
      "readings.0.forecast.0.timestamp", /at most 7 days after/],
    ["forecast just past the horizon", reading({ forecast: [{ timestamp: NOW + MAX_FORECAST_HORIZON_MS + 1, pv_watts: 1 }] }),
      "readings.0.forecast.0.timestamp", /at most 7 days after/],
    ["forecast point without time", reading({ forecast: [{ pv_watts: 1 }] }), "readings.0.forecast.0.timestamp", /required/],
    ["too many forecast points", reading({ forecast: points(MAX_FORECAST_POINTS + 1, 1) }), "readings.0.forecast", /289 points; at most 288/],
    ["too many readings", { readings: Array.from({ length: MAX_BATCH_READINGS + 1 }, () => ({})) }, "readings",
      /1001 readings in one batch; at most 1000/],
    ["empty batch", { readings: [] }, "readings", /at least one/],
    ["not an object", "hello", "(body)", /./],
  ];
  for (const [name, input, field, message] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      const { error } = parseReadings(input, sites, NOW);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe(field);
      expect(error?.message).toMatch(message);
      expect(error?.message).toContain(`${field}: `);
    });
  }

  it("gives the timestamp hint, not a generic message", () => {
    expect(parseReadings(reading({ timestamp: 1.5 }), sites, NOW).error?.message)
      .toBe(`readings.0.timestamp: ${TIMESTAMP_EXPECTED}, got 1.5`);
  });

  it("counts readings before validating any", () => {
    const { error } = parseReadings({ readings: Array.from({ length: 200_000 }, () => ({})) }, sites, NOW);
    expect(error?.message).toBe("readings: 200000 readings in one batch; at most 1000");
  });

  it("accepts a reading up to the skew ahead and clamps it to the receive time", () => {
    const { value } = parseReadings(reading({ timestamp: NOW + MAX_CLOCK_SKEW_MS, pv_watts: 5,
      forecast: [{ timestamp: NOW + MAX_CLOCK_SKEW_MS, pv_watts: 6 }] }), sites, NOW);
    expect(value).toEqual([{ site: "berlin", atMs: NOW, sentAtMs: NOW + MAX_CLOCK_SKEW_MS, pvWatts: 5,
      forecast: [{ atMs: NOW + MAX_CLOCK_SKEW_MS, pvWatts: 6 }] }]);
  });

  it("puts a prefix before every field it names", () => {
    const prefixed = (input: unknown) => parseReadings(input, sites, NOW, { fieldPrefix: "messages.2." }).error;
    expect(prefixed(reading({ pv_watts: -1 }))?.field).toBe("messages.2.readings.0.pv_watts");
    expect(prefixed(reading({ pv_watts: -1 }))?.message).toMatch(/^messages\.2\.readings\.0\.pv_watts: /);
    expect(prefixed({ readings: [] })?.field).toBe("messages.2.readings");
    expect(prefixed("hello")?.field).toBe("messages.2");
  });
});
