// Reads a scenario: the YAML file, checked against schema.ts, then every trace it names read,
// converted and resampled, and every time turned into a step index. Errors name the YAML path
// (with its line) or the trace's file:line:column; nothing is skipped or guessed.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { readLatencyMatrix, type LatencyMatrix } from "./latency-matrix.js";
import type { StepGrid } from "./resample.js";
import type { Scenario, SimFault, SimRegion, SimService, SimSite, StepWindow } from "./scenario.js";
import { ScenarioError } from "./scenario-error.js";
import { scenarioSchema, type ScenarioFile } from "./schema.js";
import { formatUtc, parseDuration, parseIsoUtc, parseScenarioTime } from "./time.js";
import { TraceUses, type TraceUse } from "./trace-uses.js";
import { carbonToGPerKwh, demandToRps, pvToWatts } from "./units.js";
import { locator, type YamlPath } from "./yaml-path.js";

export interface LoadOptions {
  /** Simulate this many days from the start instead of the file's `days`. */
  readonly days?: number;
}

const DAY_MS = 86_400_000;

export function loadScenario(file: string, options: LoadOptions = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError(`${file}: cannot read the scenario (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const pos = problem.linePos?.[0];
    throw new ScenarioError(`${file}${pos === undefined ? "" : `:${pos.line}:${pos.col}`}: not valid YAML (${problem.code})`);
  }
  const locate = locator(file, doc, lines);
  const raw: unknown = doc.toJS();
  const parsed = scenarioSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path as YamlPath;
    const message = issue.code === "unrecognized_keys"
      ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
      : valueAt(raw, path) === undefined ? `missing: ${issue.message}` : issue.message;
    throw new ScenarioError(`${locate(path)}: ${message}`);
  }
  return resolveScenario(file, parsed.data, options, locate);
}

function resolveScenario(file: string, s: ScenarioFile, options: LoadOptions, locate: (p: YamlPath) => string): Scenario {
  const fail = (path: YamlPath, message: string): never => { throw new ScenarioError(`${locate(path)}: ${message}`); };
  const startMs = parseIsoUtc(s.start)!;
  const stepMs = parseDuration(s.step)!;
  if (stepMs <= 0) fail(["step"], "expected a positive duration");
  const fileSteps = s.days * DAY_MS / stepMs;
  if (!Number.isInteger(fileSteps)) fail(["days"], `${s.days} days is not a whole number of ${s.step} steps`);
  const days = options.days ?? s.days;
  const steps = days * DAY_MS / stepMs;
  if (!(days > 0) || !Number.isInteger(steps)) {
    throw new ScenarioError(`${file}: --days ${days}: expected a number > 0 that is a whole number of ${s.step} steps`);
  }
  const grid: StepGrid = { startMs, stepMs, steps };
  const fileEndMs = startMs + s.days * DAY_MS;
  // Sizes taken from a trace's maximum (peak_rps, a PV peak) come from the file's own days, so a
  // run shortened with --days sees the same values for the steps it keeps.
  const fileGrid: StepGrid = { startMs, stepMs, steps: fileSteps };

  const siteNames = unique(s.sites.map((x) => x.name), (i, n) => fail(["sites", i, "name"], `site "${n}" is named twice`));
  unique(s.services.map((x) => x.name), (i, n) => fail(["services", i, "name"], `service "${n}" is named twice`));
  unique(s.regions.map((x) => x.name), (i, n) => fail(["regions", i, "name"], `region "${n}" is named twice`));

  // What each site, zone and service reads, checked before any file is opened.
  const uses: TraceUse[] = [];
  s.sites.forEach((site, i) => {
    if (site.pv !== undefined) {
      if (site.pv.unit === "fraction" && site.pv.peak_w === undefined) fail(["sites", i, "pv"], "a PV trace in fraction of peak needs peak_w");
      uses.push({ ...site.pv, path: ["sites", i, "pv"] });
    }
    if (site.grid.connected) {
      if (site.grid.zone === undefined) fail(["sites", i, "grid"], "a grid-connected site needs zone (its carbon trace)");
      else uses.push({ ...site.grid.zone, path: ["sites", i, "grid", "zone"] });
    } else {
      if (site.grid.zone !== undefined) fail(["sites", i, "grid", "zone"], "an off-grid site (connected: false) draws no grid power: remove zone");
      if (site.grid.outages.length > 0) fail(["sites", i, "grid", "outages"], "an off-grid site (connected: false) has no grid to lose");
    }
  });
  s.services.forEach((service, i) => {
    service.sites.forEach((name, j) => {
      if (!siteNames.has(name)) fail(["services", i, "sites", j], `no site "${name}"`);
      if (service.sites.indexOf(name) !== j) fail(["services", i, "sites", j], `site "${name}" is listed twice`);
    });
    if (service.demand.peak_rps !== undefined && service.demand.scale !== undefined) {
      fail(["services", i, "demand"], "give peak_rps or scale, not both");
    }
    uses.push({ ...service.demand, path: ["services", i, "demand"] });
  });
  const traces = new TraceUses(dirname(file), s.traces, uses, locate);

  // A window outside the file's own run is a mistake; one past a shortened run (--days) is cut off.
  const window = (path: YamlPath, from: string, to: string): StepWindow | undefined => {
    const fromMs = parseScenarioTime(from, startMs)!;
    const toMs = parseScenarioTime(to, startMs)!;
    if (toMs <= fromMs) fail([...path, "to"], "expected a time after from");
    if (fromMs < startMs || toMs > fileEndMs) fail(path, `expected a window within the run, ${formatUtc(startMs)} to ${formatUtc(fileEndMs)}`);
    const fromStep = Math.floor((fromMs - startMs) / stepMs);
    const toStep = Math.min(steps, Math.ceil((toMs - startMs) / stepMs));
    return fromStep < toStep ? { fromStep, toStep } : undefined;
  };

  const sites: SimSite[] = s.sites.map((site, i) => {
    const pvUse = site.pv === undefined ? undefined : { ...site.pv, path: ["sites", i, "pv"] };
    const pvWatts = site.pv === undefined ? new Float64Array(steps) : pvToWatts(traces.stepped(pvUse!, grid).values, site.pv.unit, site.pv.peak_w);
    const pvPeakWatts = site.pv === undefined ? 0 : site.pv.peak_w
      ?? pvToWatts(traces.stepped(pvUse!, fileGrid).values, site.pv.unit, undefined).reduce((m, v) => Math.max(m, v), 0);
    const zone = site.grid.zone;
    const carbon = zone === undefined || !site.grid.connected
      ? new Float64Array(steps) // off-grid: never drawn
      : carbonToGPerKwh(traces.stepped({ ...zone, path: ["sites", i, "grid", "zone"] }, grid).values, zone.unit);
    const b = site.battery;
    return {
      name: site.name,
      latitudeDeg: site.lat,
      longitudeDeg: site.lon,
      capacityRps: site.capacity_rps,
      pvPeakWatts,
      baseLoadWatts: site.base_load_w,
      wattsPerRps: site.watts_per_rps,
      battery: b === undefined
        ? { capacityWh: 0, chargeWatts: 0, dischargeWatts: 0, roundTripEfficiency: 1, reserveSoc: 0, initialSoc: 0 }
        : { capacityWh: b.wh, chargeWatts: b.charge_w, dischargeWatts: b.discharge_w, roundTripEfficiency: b.round_trip_efficiency,
            reserveSoc: b.reserve_soc, initialSoc: b.initial_soc },
      gridConnected: site.grid.connected,
      gridOutages: site.grid.outages.flatMap((o, j) => window(["sites", i, "grid", "outages", j], o.from, o.to) ?? []),
      pvWatts,
      carbonGPerKwh: carbon,
    };
  });

  const services: SimService[] = s.services.map((service, i) => {
    const path = ["services", i, "demand"];
    const stepped = traces.stepped({ ...service.demand, path }, grid);
    const d = service.demand;
    const peakOf = d.peak_rps === undefined ? stepped.values : traces.stepped({ ...service.demand, path }, fileGrid).values;
    const rps = demandToRps(stepped.values, d.unit, stepped.intervalSeconds, { scale: d.scale, peakRps: d.peak_rps }, peakOf);
    if (rps.error !== undefined) return fail(path, rps.error);
    return {
      name: service.name,
      sites: service.sites,
      demandRps: rps.values,
      ...(service.latency_slo_ms === undefined ? {} : { latencySloMs: service.latency_slo_ms }),
    };
  });

  const matrix = s.latency_matrix === undefined ? undefined
    : readLatencyMatrix(resolve(dirname(file), s.latency_matrix.file), s.latency_matrix.origin_column);
  const regions = resolveRegions(s, matrix, fail);

  const faults: SimFault[] = s.faults.flatMap((f, i): SimFault[] => {
    const path = ["faults", i];
    if (!siteNames.has(f.site)) fail([...path, "site"], `no site "${f.site}"`);
    const w = window(path, f.from, f.to);
    if (w === undefined) return [];
    return f.kind === "latency_spike" ? [{ kind: f.kind, site: f.site, addedMs: f.added_ms, ...w }] : [{ kind: f.kind, site: f.site, ...w }];
  });

  return { name: s.name, file, stepSeconds: stepMs / 1000, startMs, steps, sites, services, regions, faults, headroom: s.headroom };
}

function resolveRegions(s: ScenarioFile, matrix: LatencyMatrix | undefined, fail: (p: YamlPath, m: string) => never): SimRegion[] {
  const total = s.regions.reduce((sum, r) => sum + r.share, 0);
  if (Math.abs(total - 1) > 1e-6) fail(["regions"], `shares sum to ${Number(total.toFixed(6))}, expected 1`);
  return s.regions.map((region, i) => {
    const path = ["regions", i];
    const latencyMs: Record<string, number> = {};
    if ((region.latency_region === undefined) === (region.latency_ms === undefined)) {
      fail(path, "expected latency_region (a row of the latency matrix) or latency_ms (site → ms), one of them");
    }
    if (region.latency_ms !== undefined) {
      for (const name of Object.keys(region.latency_ms)) {
        if (!s.sites.some((x) => x.name === name)) fail([...path, "latency_ms", name], `no site "${name}"`);
      }
      s.sites.forEach((site) => {
        const ms = region.latency_ms![site.name];
        if (ms === undefined) fail([...path, "latency_ms"], `no latency to site "${site.name}"`);
        latencyMs[site.name] = ms!;
      });
    } else {
      if (matrix === undefined) fail([...path, "latency_region"], "needs latency_matrix at the top level");
      s.sites.forEach((site, j) => {
        if (site.latency_region === undefined) fail(["sites", j], `missing latency_region (region "${region.name}" reads the latency matrix)`);
        try {
          latencyMs[site.name] = matrix!.latencyMs(region.latency_region!, site.latency_region!);
        } catch (e) {
          fail([...path, "latency_region"], `${(e as Error).message} (to site "${site.name}")`);
        }
      });
    }
    return { name: region.name, share: region.share, latencyMs };
  });
}

/** The set of names; calls `duplicate` with the index of the first name seen twice. */
function unique(names: readonly string[], duplicate: (index: number, name: string) => void): Set<string> {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) duplicate(i, n);
    seen.add(n);
  });
  return seen;
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
