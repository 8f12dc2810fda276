import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../controller/config/load.js";

const base = `
sites:
  - { name: berlin, capacity_rps: 100, pv_peak_watts: 1000, watts_per_rps: 5, location: { lat: 52.5, lon: 13.4 } }
services:
  - { key: api.example.com, upstreams: { berlin: site-ber } }
`;

const source = `
sources:
  prometheus:
    - name: inverters
      kind: exporter
      url: http://127.0.0.1:9100/metrics
      site: berlin
      readings:
        pv_watts: 'sunspec_inverter_ac_power_kilowatts{inverter="1"}'
        battery_soc_percent: sunspec_battery_soc_percent
      scale: { pv_watts: 1000 }
    - name: prometheus
      kind: api
      url: https://prometheus.example.com/prom
      interval_ms: 60000
      timeout_ms: 10000
      site: berlin
      readings:
        power_draw_watts: sum(rate(kepler_node_platform_joules_total[5m]))
`;

describe("prometheus sources configuration", () => {
  it("is empty unless configured", () => {
    expect(parseConfig(base).value?.sources).toEqual({ prometheus: [] });
  });

  it("maps every source, filling interval, timeout and scale defaults", () => {
    const { value, error } = parseConfig(base + source);
    expect(error).toBeUndefined();
    expect(value!.sources.prometheus).toEqual([
      {
        name: "inverters", kind: "exporter", url: "http://127.0.0.1:9100/metrics", intervalMs: 15_000, timeoutMs: 5_000, site: "berlin",
        readings: { pv_watts: 'sunspec_inverter_ac_power_kilowatts{inverter="1"}', battery_soc_percent: "sunspec_battery_soc_percent" },
        scale: { pv_watts: 1000 },
      },
      {
        name: "prometheus", kind: "api", url: "https://prometheus.example.com/prom", intervalMs: 60_000, timeoutMs: 10_000, site: "berlin",
        readings: { power_draw_watts: "sum(rate(kepler_node_platform_joules_total[5m]))" }, scale: {},
      },
    ]);
  });

  const at = "sources.prometheus.0";
  const bad: Array<[string, string, string, RegExp]> = [
    ["a URL that is not one", "url: http://127.0.0.1:9100/metrics", "url: not a url", new RegExp(`^${at}\\.url: expected an http\\(s\\) URL`)],
    ["a non-HTTP URL", "url: http://127.0.0.1:9100/metrics", "url: ftp://127.0.0.1/metrics", new RegExp(`^${at}\\.url: `)],
    ["credentials in the URL", "url: http://127.0.0.1", "url: http://user:secret@127.0.0.1", new RegExp(`^${at}\\.url: .*without credentials`)],
    ["an unknown kind", "kind: exporter", "kind: pushgateway", new RegExp(`^${at}\\.kind: `)],
    ["a missing URL", "      url: http://127.0.0.1:9100/metrics\n", "", new RegExp(`^${at}\\.url: `)],
    ["an interval under a second", "kind: exporter", "kind: exporter\n      interval_ms: 500", new RegExp(`^${at}\\.interval_ms: `)],
    ["a timeout longer than the interval", "kind: exporter", "kind: exporter\n      interval_ms: 2000\n      timeout_ms: 3000",
      new RegExp(`^${at}\\.timeout_ms: expected at most interval_ms`)],
    ["an unknown site", "site: berlin\n      readings:\n        pv", "site: paris\n      readings:\n        pv",
      new RegExp(`^${at}\\.site: unknown site 'paris'`)],
    ["an unknown reading field", "battery_soc_percent:", "battery_soc:", new RegExp(`^${at}\\.readings: .*battery_soc`)],
    ["a selector that does not parse", `'sunspec_inverter_ac_power_kilowatts{inverter="1"}'`, `'sunspec_inverter_ac_power_kilowatts{inverter=1}'`,
      new RegExp(`^${at}\\.readings\\.pv_watts: expected '"'`)],
    ["PromQL in an exporter source", `'sunspec_inverter_ac_power_kilowatts{inverter="1"}'`, "sum(x)",
      new RegExp(`^${at}\\.readings\\.pv_watts: unexpected`)],
    ["a scale for a field not read", "scale: { pv_watts: 1000 }", "scale: { grid_carbon_g_per_kwh: 1000 }",
      new RegExp(`^${at}\\.scale\\.grid_carbon_g_per_kwh: no reading`)],
    ["a negative scale", "scale: { pv_watts: 1000 }", "scale: { pv_watts: -1 }", new RegExp(`^${at}\\.scale\\.pv_watts: `)],
    ["a duplicate name", "name: prometheus", "name: inverters", /^sources\.prometheus\.1\.name: duplicate source 'inverters'/],
    ["a name that is not a DNS label", "name: inverters", "name: Inverters_1", new RegExp(`^${at}\\.name: expected a DNS label`)],
    ["a source without readings", "        power_draw_watts: sum(rate(kepler_node_platform_joules_total[5m]))", "        {}",
      /^sources\.prometheus\.1\.readings: expected at least one field/],
  ];
  for (const [name, from, to, message] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      const yaml = base + source.replace(from, to);
      expect(yaml).not.toBe(base + source);
      const { error } = parseConfig(yaml);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.message).toMatch(message);
    });
  }
});
