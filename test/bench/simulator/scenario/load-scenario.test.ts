import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadScenario } from "../../../../bench/simulator/scenario/load-scenario.js";

const dir = mkdtempSync(join(tmpdir(), "scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two hours of traces: PV every 30 min, carbon hourly in lbs/MWh, demand as counts per 30 min.
writeFileSync(join(dir, "pv.csv"), "when,north,south\n" +
  ["00:00,0,0.5", "00:30,0.2,0.5", "01:00,0.4,1", "01:30,0.6,1", "02:00,0.8,1"].map((r) => `2022-06-08 ${r}`).join("\n") + "\n");
writeFileSync(join(dir, "carbon.csv"), "t,zone\n2022-06-08T00:00:00Z,1000\n2022-06-08T01:00:00Z,500\n");
writeFileSync(join(dir, "demand.csv"), "s,count\n0,1800\n1800,3600\n3600,5400\n5400,3600\n");
writeFileSync(join(dir, "latency.csv"), "origin,N,S\nA,10,80\nB,90,20\n");

const base = () => ({
  name: "tiny",
  step: "30m",
  start: "2022-06-08T00:00:00Z",
  days: 1 / 24 * 2, // two hours: 4 steps
  headroom: 0.2,
  traces: {
    pv: { file: "pv.csv", time: { column: "when" }, resample: "linear" },
    carbon: { file: "carbon.csv", time: { column: "t" }, resample: "hold", repeat: true },
    demand: { file: "demand.csv", time: { column: "s", seconds_from: "2022-06-08T00:00:00Z" }, resample: "hold", repeat: true },
  } as Record<string, unknown>,
  latency_matrix: { file: "latency.csv", origin_column: "origin" },
  sites: [
    {
      name: "north", lat: 60, lon: 10, capacity_rps: 100, base_load_w: 500, watts_per_rps: 2,
      pv: { trace: "pv", column: "north", unit: "fraction", peak_w: 3000 },
      battery: { wh: 5000, charge_w: 2000, discharge_w: 2000, round_trip_efficiency: 0.81, reserve_soc: 0.1, initial_soc: 0.5 },
      grid: { zone: { trace: "carbon", column: "zone", unit: "lbs/MWh" }, outages: [{ from: "+30m", to: "2022-06-08T01:10:00Z" }] },
      latency_region: "N",
    } as Record<string, unknown>,
    {
      name: "south", lat: -30, lon: 20, capacity_rps: 50, base_load_w: 300, watts_per_rps: 3,
      pv: { trace: "pv", column: "south", unit: "kW" },
      grid: { connected: false },
      latency_region: "S",
    } as Record<string, unknown>,
  ],
  services: [{ name: "web", sites: ["north", "south"], demand: { trace: "demand", column: "count", unit: "count_per_interval" }, latency_slo_ms: 100 }] as Record<string, unknown>[],
  regions: [{ name: "a", share: 0.75, latency_region: "A" }, { name: "b", share: 0.25, latency_ms: { north: 90, south: 20 } }] as Record<string, unknown>[],
  faults: [{ kind: "latency_spike", site: "south", added_ms: 50, from: "+1h", to: "+1h30m" }] as Record<string, unknown>[],
});

let n = 0;
function write(doc: unknown): string {
  const file = join(dir, `s${n++}.yaml`);
  writeFileSync(file, typeof doc === "string" ? doc : stringify(doc));
  return file;
}

describe("loadScenario", () => {
  it("resolves a scenario: steps, units, resampling, latency and windows, by hand", () => {
    const file = write(base());
    const s = loadScenario(file);
    expect(s).toMatchObject({ name: "tiny", file, stepSeconds: 1800, startMs: Date.UTC(2022, 5, 8), steps: 4, headroom: 0.2 });
    const [north, south] = s.sites;
    expect([...north!.pvWatts]).toEqual([0, 600, 1200, 1800]); // fraction × 3000 W
    expect([...south!.pvWatts]).toEqual([500, 500, 1000, 1000]); // kW × 1000
    expect(south!.pvPeakWatts).toBe(1000); // no peak_w: the largest step
    // Hourly carbon held for its hour, lbs/MWh → g/kWh; repeat wraps the two rows.
    expect([...north!.carbonGPerKwh]).toEqual([453.592, 453.592, 226.796, 226.796]);
    expect([...south!.carbonGPerKwh]).toEqual([0, 0, 0, 0]); // off-grid: never drawn
    expect(north!.battery).toEqual({ capacityWh: 5000, chargeWatts: 2000, dischargeWatts: 2000, roundTripEfficiency: 0.81, reserveSoc: 0.1, initialSoc: 0.5 });
    expect(south!.battery.capacityWh).toBe(0);
    expect(north!.gridConnected).toBe(true);
    expect(south!.gridConnected).toBe(false);
    // 00:30 → 01:10 touches steps 1 and 2.
    expect(north!.gridOutages).toEqual([{ fromStep: 1, toStep: 3 }]);
    // Counts per 30 min ÷ 1800 s.
    expect([...s.services[0]!.demandRps]).toEqual([1, 2, 3, 2]);
    expect(s.services[0]!.latencySloMs).toBe(100);
    expect(s.regions).toEqual([
      { name: "a", share: 0.75, latencyMs: { north: 10, south: 80 } },
      { name: "b", share: 0.25, latencyMs: { north: 90, south: 20 } },
    ]);
    expect(s.faults).toEqual([{ kind: "latency_spike", site: "south", addedMs: 50, fromStep: 2, toStep: 3 }]);
  });

  it("--days shortens the run and cuts windows at its end; longer than the traces is an error", () => {
    const file = write(base());
    const s = loadScenario(file, { days: 1 / 24 }); // two steps
    expect(s.steps).toBe(2);
    expect(s.sites[0]!.pvWatts).toHaveLength(2);
    expect(s.sites[0]!.gridOutages).toEqual([{ fromStep: 1, toStep: 2 }]);
    expect(s.faults).toEqual([]); // the spike starts after the shortened run
    expect(() => loadScenario(file, { days: 1 })).toThrow(/sites\[0\]\.pv: .*pv\.csv \(trace "pv"\) covers 2022-06-08 00:00:00 to 2022-06-08 02:00:00/);
    expect(() => loadScenario(file, { days: 0.01 })).toThrow(/s\d+\.yaml: --days 0\.01: expected a number > 0 that is a whole number of 30m steps$/);
    expect(() => loadScenario(file, { days: -1 })).toThrow(/--days -1: expected a number > 0/);
  });

  const cases: [string, (d: ReturnType<typeof base>) => void, RegExp][] = [
    ["a negative battery size", (d) => { (d.sites[0]!.battery as Record<string, unknown>).wh = -1; }, /s\d+\.yaml:\d+:\d+: sites\[0\]\.battery\.wh: expected a number ≥ 0$/],
    ["a missing field", (d) => { delete d.sites[1]!.capacity_rps; }, /sites\[1\]\.capacity_rps: missing: expected a number > 0$/],
    ["an unknown field", (d) => { d.sites[0]!.pv_peak = 1; }, /sites\[0\]: unknown field "pv_peak"$/],
    ["an unknown unit", (d) => { (d.services[0]!.demand as Record<string, unknown>).unit = "rpm"; }, /services\[0\]\.demand\.unit: expected one of rps, count_per_interval, relative$/],
    ["an unknown carbon unit", (d) => { ((d.sites[0]!.grid as { zone: Record<string, unknown> }).zone).unit = "lb/MWh"; }, /sites\[0\]\.grid\.zone\.unit: expected one of g\/kWh, kg\/MWh, lbs\/MWh$/],
    ["days that are not whole steps", (d) => { d.days = 0.1; }, /days: 0\.1 days is not a whole number of 30m steps$/],
    ["a bad duration", (d) => { d.step = "30 minutes"; }, /step: expected a duration like 5m/],
    ["a bad site name", (d) => { d.sites[0]!.name = "North"; }, /sites\[0\]\.name: expected a DNS label/],
    ["an unknown fault kind", (d) => { d.faults[0]!.kind = "flood"; }, /faults\[0\]\.kind: expected kind: site_outage, latency_spike or battery_fault$/],
    ["two sites of one name", (d) => { d.sites[1]!.name = "north"; }, /sites\[1\]\.name: site "north" is named twice$/],
    ["a site listed twice for a service", (d) => { d.services[0]!.sites = ["north", "north"]; }, /services\[0\]\.sites\[1\]: site "north" is listed twice$/],
    ["a service on an unknown site", (d) => { d.services[0]!.sites = ["north", "east"]; }, /services\[0\]\.sites\[1\]: no site "east"$/],
    ["an unknown trace", (d) => { (d.sites[0]!.pv as Record<string, unknown>).trace = "sun"; }, /sites\[0\]\.pv\.trace: no trace "sun" in traces \(known: pv, carbon, demand\)$/],
    ["shares that do not sum to 1", (d) => { d.regions[0]!.share = 0.5; }, /regions: shares sum to 0\.75, expected 1$/],
    ["a fraction PV without peak_w", (d) => { delete (d.sites[0]!.pv as Record<string, unknown>).peak_w; }, /sites\[0\]\.pv: a PV trace in fraction of peak needs peak_w$/],
    ["a connected site without a zone", (d) => { d.sites[1]!.grid = { connected: true }; }, /sites\[1\]\.grid: a grid-connected site needs zone/],
    ["an off-grid site with an outage", (d) => { d.sites[1]!.grid = { connected: false, outages: [{ from: "+0h", to: "+1h" }] }; }, /sites\[1\]\.grid\.outages: an off-grid site/],
    ["a window ending before it starts", (d) => { d.faults[0]!.to = "+30m"; }, /faults\[0\]\.to: expected a time after from$/],
    ["a window past the run", (d) => { d.faults[0]!.to = "+3h"; }, /faults\[0\]: expected a window within the run, 2022-06-08 00:00:00 to 2022-06-08 02:00:00$/],
    ["a fault on an unknown site", (d) => { d.faults[0]!.site = "east"; }, /faults\[0\]\.site: no site "east"$/],
    ["a region with no latency", (d) => { delete d.regions[0]!.latency_region; }, /regions\[0\]: expected latency_region .* or latency_ms/],
    ["inline latency missing a site", (d) => { d.regions[1]!.latency_ms = { north: 90 }; }, /regions\[1\]\.latency_ms: no latency to site "south"$/],
    ["a matrix row that is not there", (d) => { d.regions[0]!.latency_region = "C"; }, /regions\[0\]\.latency_region: .*latency\.csv: no row "C" in column "origin" \(to site "north"\)$/],
    ["peak_rps and scale together", (d) => { d.services[0]!.demand = { trace: "demand", column: "count", unit: "rps", peak_rps: 5, scale: 2 }; }, /services\[0\]\.demand: give peak_rps or scale, not both$/],
    ["a trace that does not cover the run", (d) => { (d.traces.pv as Record<string, unknown>).shift = "1h"; }, /sites\[0\]\.pv: .*pv\.csv \(trace "pv"\) covers 2022-06-08 01:00:00 to 2022-06-08 03:00:00 \(after its shift\)/],
    ["a PV fraction above 1", (d) => { (d.traces.pv as Record<string, unknown>).file = "bad-pv.csv"; }, /bad-pv\.csv:4:2 \(column "north"\): 1\.5 is not a value in fraction \(expected within 0\.\.1\)$/],
    ["a missing trace file", (d) => { (d.traces.carbon as Record<string, unknown>).file = "nope.csv"; }, /nope\.csv: cannot read the trace \(ENOENT\)$/],
  ];
  writeFileSync(join(dir, "bad-pv.csv"), "when,north,south\n2022-06-08 00:00,0,0\n2022-06-08 00:30,0,0\n2022-06-08 01:00,1.5,0\n2022-06-08 01:30,0,0\n");

  it.each(cases)("refuses %s, naming the YAML path or the data cell", (_what, change, message) => {
    const doc = base();
    change(doc);
    expect(() => loadScenario(write(doc))).toThrow(message);
  });

  it("names the YAML line of the field at fault", () => {
    const file = write(stringify(base()).replace("capacity_rps: 50", "capacity_rps: -5"));
    const line = stringify(base()).split("\n").findIndex((l) => l.includes("capacity_rps: 50")) + 1;
    expect(() => loadScenario(file)).toThrow(new RegExp(`s\\d+\\.yaml:${line}:\\d+: sites\\[1\\]\\.capacity_rps: expected a number > 0$`));
  });

  it("refuses YAML that does not parse, with its line", () => {
    expect(() => loadScenario(write("name: x\n  bad: [\n"))).toThrow(/s\d+\.yaml:\d+:\d+: not valid YAML \(/);
    expect(() => loadScenario(join(dir, "absent.yaml"))).toThrow(/absent\.yaml: cannot read the scenario \(ENOENT\)/);
  });
});
