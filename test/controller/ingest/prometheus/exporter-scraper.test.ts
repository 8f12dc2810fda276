// Exporter sources against real HTTP servers on loopback: SunSpec-style inverter and battery
// gauges, Kepler-style power gauges and joule counters.
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../controller/config/load.js";
import { PrometheusSource } from "../../../../controller/ingest/prometheus/prometheus-source.js";
import { controllerState, counterValue, scrapeCounts, serveMetrics, sourceConfig, type Loopback } from "./support/loopback.js";

const NOW = Date.UTC(2026, 5, 21, 12);

const sunspec = `# HELP sunspec_inverter_ac_power_watts AC power output.
# TYPE sunspec_inverter_ac_power_watts gauge
sunspec_inverter_ac_power_watts{inverter="1",model="Fronius \\"Symo\\""} 4200
sunspec_inverter_ac_power_watts{inverter="2",model="SMA"} 3100.5
sunspec_inverter_ac_power_watts{inverter="9",model="test-rig"} 99999
# TYPE sunspec_battery_soc_percent gauge
sunspec_battery_soc_percent{battery="1"} 76.5
# TYPE sunspec_battery_capacity_kwh gauge
sunspec_battery_capacity_kwh{battery="1"} 40
`;

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("exporter source", () => {
  it("sums the selected SunSpec series, scales kWh to Wh and applies one reading", async () => {
    const server = await serveMetrics(() => sunspec);
    servers.push(server);
    const { value: config, error } = parseConfig(`
sites:
  - { name: berlin, capacity_rps: 100, pv_peak_watts: 10000, watts_per_rps: 5, location: { lat: 52.5, lon: 13.4 } }
services:
  - { key: api.example.com, upstreams: { berlin: site-ber } }
sources:
  prometheus:
    - name: berlin-inverters
      kind: exporter
      url: ${server.url}/metrics
      site: berlin
      readings:
        pv_watts: 'sunspec_inverter_ac_power_watts{inverter=~"1|2"}'
        battery_soc_percent: 'sunspec_battery_soc_percent{battery="1"}'
        battery_capacity_wh: sunspec_battery_capacity_kwh
      scale: { battery_capacity_wh: 1000 }
`);
    expect(error).toBeUndefined();
    const { energy, metrics, deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(config!.sources.prometheus[0]!, deps);
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 1 });
    expect(energy.get("berlin")).toMatchObject({
      updatedAtMs: NOW, pvWatts: 7300.5, batterySocPercent: 76.5, batteryCapacityWh: 40_000, pvHistory: [{ atMs: NOW, pvWatts: 7300.5 }],
    });
    expect(energy.currentRevision).toBe(1);
    expect(server.requests).toEqual(["/metrics"]);
    expect(await scrapeCounts(metrics, "berlin-inverters")).toEqual({
      ok: 1, unreachable: 0, timeout: 0, cancelled: 0, http_error: 0, bad_response: 0, missing: 0, ambiguous: 0, invalid: 0,
    });
    expect(await counterValue(metrics, "readingsAccepted")).toBe(1);
    expect(await counterValue(metrics, "readingsRejected")).toBe(0);
  });

  it("reports a Kepler node's power draw from its watt gauges, without touching the energy state", async () => {
    const server = await serveMetrics(() => [
      "# TYPE kepler_node_cpu_watts gauge",
      'kepler_node_cpu_watts{zone="package",node_name="n1"} 41.25',
      'kepler_node_cpu_watts{zone="dram",node_name="n1"} 8.75',
    ].join("\n"));
    servers.push(server);
    const { energy, metrics, deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(
      sourceConfig({ name: "kepler", url: `${server.url}/metrics`, readings: { power_draw_watts: "kepler_node_cpu_watts" } }), deps,
    );
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0, powerDrawWatts: 50 });
    expect(energy.currentRevision).toBe(0);
    const { values } = await metrics.sourcePowerDraw.get();
    expect(values).toEqual([{ labels: { source: "kepler", site: "berlin" }, value: 50 }]);
  });

  it("turns a joule counter into watts between scrapes, starting over after a reset", async () => {
    let joules = 1_000;
    const server = await serveMetrics(() => [
      "# HELP kepler_node_platform_joules_total Energy consumed by the platform.",
      "# TYPE kepler_node_platform_joules_total counter",
      `kepler_node_platform_joules_total{source="acpi"} ${joules}`,
      "kepler_node_platform_joules_total{source=\"other\"} 0",
    ].join("\n"));
    servers.push(server);
    let clock = NOW;
    const { metrics, deps } = await controllerState(() => clock);
    const source = new PrometheusSource(
      sourceConfig({ name: "kepler", url: `${server.url}/metrics`, readings: { power_draw_watts: "kepler_node_platform_joules_total" } }), deps,
    );
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0 }); // one sample: no rate yet
    clock += 10_000;
    joules += 1_500;
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0, powerDrawWatts: 150 });
    clock += 10_000;
    joules = 10; // exporter restarted
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0 });
    clock += 5_000;
    joules += 1_000;
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 0, powerDrawWatts: 200 });
    expect((await scrapeCounts(metrics, "kepler"))["ok"]).toBe(4);
  });

  it("uses the exporter's own timestamps for a counter's rate when every series has one", async () => {
    let joules = 0;
    let stamp = NOW - 60_000;
    const server = await serveMetrics(() => `pv_energy_joules_total ${joules} ${stamp}\n`); // untyped, _total: a counter
    servers.push(server);
    const { energy, deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(sourceConfig({ url: `${server.url}/metrics`, readings: { pv_watts: "pv_energy_joules_total" } }), deps);
    await source.scrapeOnce();
    joules = 120_000;
    stamp += 60_000;
    expect(await source.scrapeOnce()).toEqual({ outcome: "ok", applied: 1 });
    expect(energy.get("berlin")?.pvWatts).toBe(2_000);
  });

  it("refuses a counter for a field that is not in watts", async () => {
    const server = await serveMetrics(() => "# TYPE charge_total counter\ncharge_total 5\n");
    servers.push(server);
    const { energy, metrics, deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(sourceConfig({ url: `${server.url}/metrics`, readings: { battery_soc_percent: "charge_total" } }), deps);
    expect(await source.scrapeOnce()).toMatchObject({ outcome: "invalid", field: "battery_soc_percent", applied: 0 });
    expect(energy.currentRevision).toBe(0);
    expect((await scrapeCounts(metrics, "test"))["invalid"]).toBe(1);
  });

  it("fails the whole scrape when one field's metric is missing", async () => {
    const server = await serveMetrics(() => sunspec);
    servers.push(server);
    const { energy, deps } = await controllerState(() => NOW);
    const source = new PrometheusSource(sourceConfig({
      url: `${server.url}/metrics`,
      readings: { pv_watts: "sunspec_inverter_ac_power_watts", grid_carbon_g_per_kwh: 'grid_carbon{zone="DE"}' },
    }), deps);
    expect(await source.scrapeOnce()).toEqual({
      outcome: "missing", field: "grid_carbon_g_per_kwh", reason: 'no series matches grid_carbon{zone="DE"}', applied: 0,
    });
    expect(energy.get("berlin")?.updatedAtMs).toBeNull();
  });
});
