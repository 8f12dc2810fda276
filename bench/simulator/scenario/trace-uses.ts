// The traces of one scenario, read once each and handed out per use (a site's PV, a zone's
// carbon, a service's demand) on the step grid, in the simulator's units.
import { resolve } from "node:path";
import { resample, type StepGrid } from "./resample.js";
import { ScenarioError } from "./scenario-error.js";
import type { TraceEntry } from "./schema.js";
import { parseDuration, parseIsoUtc } from "./time.js";
import { assertColumnRange, assertMaxGap, readTraceCsv, type TraceTable } from "./trace-csv.js";
import type { YamlPath } from "./yaml-path.js";
import { rawRange, type CarbonUnit, type DemandUnit, type PvUnit } from "./units.js";

/** One column of one trace that the scenario reads, and where in the YAML it is asked for. */
export interface TraceUse {
  readonly trace: string;
  readonly column: string;
  readonly unit: CarbonUnit | PvUnit | DemandUnit;
  /** YAML path of the use, for messages, e.g. ["sites", 2, "pv"]. */
  readonly path: YamlPath;
}

export interface SteppedColumn {
  /** The raw values (in the trace's unit) at each step. */
  readonly values: Float64Array;
  /** The trace's own row interval, s. */
  readonly intervalSeconds: number;
}

export class TraceUses {
  private readonly tables = new Map<string, TraceTable>();

  /**
   * Reads every trace the uses need, each file once with all its columns, and checks each cell
   * against its unit's range. `dir` is the scenario file's folder.
   */
  constructor(
    private readonly dir: string,
    private readonly traces: Readonly<Record<string, TraceEntry>>,
    uses: readonly TraceUse[],
    /** Names a YAML path in messages ("scenario.yaml:12:7: sites[2].pv"). */
    private readonly locate: (path: YamlPath) => string,
  ) {
    const columns = new Map<string, Set<string>>();
    const entries = new Map<string, TraceEntry>();
    for (const use of uses) {
      if (traces[use.trace] === undefined) {
        const known = Object.keys(traces).join(", ") || "none";
        throw new ScenarioError(`${locate([...use.path, "trace"])}: no trace "${use.trace}" in traces (known: ${known})`);
      }
      const key = this.tableKey(use.trace);
      columns.set(key, (columns.get(key) ?? new Set()).add(use.column));
      entries.set(key, traces[use.trace]!);
    }
    for (const [key, names] of columns) {
      const entry = entries.get(key)!;
      const secondsFromMs = entry.time.seconds_from === undefined ? undefined : parseIsoUtc(entry.time.seconds_from);
      const time = secondsFromMs === undefined ? { column: entry.time.column } : { column: entry.time.column, secondsFromMs };
      this.tables.set(key, readTraceCsv(resolve(dir, entry.file), time, [...names]));
    }
    for (const use of uses) {
      const table = this.tables.get(this.tableKey(use.trace))!;
      const entry = traces[use.trace]!;
      const range = rawRange(use.unit);
      assertColumnRange(table, use.column, range.min, range.max, use.unit);
      assertMaxGap(table, entry.max_gap === undefined ? table.intervalMs : parseDuration(entry.max_gap)!);
    }
  }

  /** The column on the step grid, per the trace's resample mode, shift and repeat. */
  stepped(use: TraceUse, grid: StepGrid): SteppedColumn {
    const entry = this.traces[use.trace]!;
    const table = this.tables.get(this.tableKey(use.trace))!;
    const series = { timesMs: table.timesMs, values: table.columns.get(use.column)!.values, intervalMs: table.intervalMs };
    const alignment = { shiftMs: entry.shift === undefined ? 0 : parseDuration(entry.shift)!, repeat: entry.repeat };
    const result = resample(series, grid, entry.resample, alignment);
    if (result.error !== undefined) throw new ScenarioError(`${this.locate(use.path)}: ${table.file} (trace "${use.trace}") ${result.error}`);
    return { values: result.values, intervalSeconds: table.intervalMs / 1000 };
  }

  // Entries naming the same file with the same time column share one read.
  private tableKey(trace: string): string {
    const entry = this.traces[trace]!;
    return JSON.stringify([resolve(this.dir, entry.file), entry.time.column, entry.time.seconds_from ?? null]);
  }
}
