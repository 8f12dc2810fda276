// A trace file: a time column and value columns chosen by name, every cell checked. Times are
// ISO UTC instants, or seconds from a start the scenario gives. Rows must be strictly increasing
// in time; any cell that is empty, not a number, NaN or infinite is an error at file:line:column.
import { readFileSync } from "node:fs";
import { parseCsv } from "./csv-records.js";
import { ScenarioError, at } from "./scenario-error.js";
import { formatUtc, parseIsoUtc } from "./time.js";

export interface TraceTimeColumn {
  readonly column: string;
  /** When set, the column holds seconds from this instant (ms since the epoch); else ISO times. */
  readonly secondsFromMs?: number;
}

export interface TraceColumn {
  /** 1-based position in the header, for messages. */
  readonly index: number;
  readonly name: string;
  readonly values: Float64Array;
}

export interface TraceTable {
  readonly file: string;
  /** Time of each row, ms since the epoch, strictly increasing. */
  readonly timesMs: Float64Array;
  /** Line of each row in the file, for messages. */
  readonly lines: Int32Array;
  readonly columns: ReadonlyMap<string, TraceColumn>;
  /** The trace's own interval: the most common spacing between rows, ms. */
  readonly intervalMs: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function readTraceCsv(file: string, time: TraceTimeColumn, columns: readonly string[]): TraceTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError(`${file}: cannot read the trace (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseTraceCsv(file, text, time, columns);
}

/** Parses the text of a trace file; `file` names it in errors. */
export function parseTraceCsv(file: string, text: string, time: TraceTimeColumn, columns: readonly string[]): TraceTable {
  const table = parseCsv(file, text);
  const timeIndex = columnIndex(file, table.header, time.column);
  const picked = columns.map((name) => ({ name, index: columnIndex(file, table.header, name) }));
  const rows = table.records.length;
  if (rows < 2) throw new ScenarioError(`${file}: ${rows} data rows, a trace needs at least 2`);

  const timesMs = new Float64Array(rows);
  const lines = new Int32Array(rows);
  const values = picked.map(() => new Float64Array(rows));
  const timeColumn = { index: timeIndex + 1, name: time.column };
  for (let r = 0; r < rows; r++) {
    const record = table.records[r]!;
    lines[r] = record.line;
    const cell = record.fields[timeIndex]!;
    const t = readTime(cell, time);
    if (t === undefined) {
      const expected = time.secondsFromMs === undefined ? "an ISO UTC time like 2022-06-08 00:05:00" : "seconds (a number)";
      throw new ScenarioError(`${at(file, record.line, timeColumn)}: expected ${expected}, got ${quote(cell)}`);
    }
    if (r > 0 && t <= timesMs[r - 1]!) {
      const what = t === timesMs[r - 1] ? "duplicate time" : "time goes back";
      throw new ScenarioError(`${at(file, record.line, timeColumn)}: ${what}: ${formatUtc(t)} after ${formatUtc(timesMs[r - 1]!)} on line ${lines[r - 1]}`);
    }
    timesMs[r] = t;
    picked.forEach((p, k) => {
      values[k]![r] = readNumber(record.fields[p.index]!, () => at(file, record.line, { index: p.index + 1, name: p.name }));
    });
  }
  const map = new Map<string, TraceColumn>();
  picked.forEach((p, k) => map.set(p.name, { index: p.index + 1, name: p.name, values: values[k]! }));
  return { file, timesMs, lines, columns: map, intervalMs: mostCommonSpacing(timesMs) };
}

/** Refuses a gap between rows longer than `maxGapMs`, naming the row after it. */
export function assertMaxGap(trace: TraceTable, maxGapMs: number): void {
  for (let r = 1; r < trace.timesMs.length; r++) {
    const gap = trace.timesMs[r]! - trace.timesMs[r - 1]!;
    if (gap > maxGapMs) {
      throw new ScenarioError(`${at(trace.file, trace.lines[r]!)}: ${gap / 60_000} min since the row before (line ${trace.lines[r - 1]}), ` +
        `more than max_gap ${maxGapMs / 60_000} min`);
    }
  }
}

/** Refuses a value outside [min, max] in `column`, naming its cell. */
export function assertColumnRange(trace: TraceTable, column: string, min: number, max: number, unit: string): void {
  const c = trace.columns.get(column);
  if (c === undefined) throw new ScenarioError(`${trace.file}: column "${column}" was not read`);
  for (let r = 0; r < c.values.length; r++) {
    const v = c.values[r]!;
    if (v < min || v > max) {
      const range = max === Infinity ? `≥ ${min}` : `within ${min}..${max}`;
      throw new ScenarioError(`${at(trace.file, trace.lines[r]!, c)}: ${v} is not a value in ${unit} (expected ${range})`);
    }
  }
}

function columnIndex(file: string, header: readonly string[], name: string): number {
  const first = header.indexOf(name);
  if (first < 0) throw new ScenarioError(`${at(file, 1)}: no column "${name}" (columns: ${header.join(", ")})`);
  const again = header.indexOf(name, first + 1);
  if (again >= 0) throw new ScenarioError(`${at(file, 1)}: column "${name}" is ambiguous: columns ${first + 1} and ${again + 1} have that name`);
  return first;
}

function readTime(cell: string, time: TraceTimeColumn): number | undefined {
  if (time.secondsFromMs === undefined) return parseIsoUtc(cell);
  if (!NUMBER.test(cell)) return undefined;
  return time.secondsFromMs + Number(cell) * 1000;
}

function readNumber(cell: string, where: () => string): number {
  if (cell.trim() === "") throw new ScenarioError(`${where()}: empty cell`);
  if (/^[+-]?(nan|inf(inity)?)$/i.test(cell.trim())) throw new ScenarioError(`${where()}: ${quote(cell)} is not a finite number`);
  if (!NUMBER.test(cell.trim())) throw new ScenarioError(`${where()}: expected a number, got ${quote(cell)}`);
  return Number(cell);
}

function mostCommonSpacing(timesMs: Float64Array): number {
  const counts = new Map<number, number>();
  for (let r = 1; r < timesMs.length; r++) {
    const gap = timesMs[r]! - timesMs[r - 1]!;
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  // Ties go to the shorter spacing, so a trace with one gap in two rows keeps its finer interval.
  for (const [gap, count] of counts) {
    if (count > bestCount || (count === bestCount && gap < best)) { best = gap; bestCount = count; }
  }
  return best;
}

function quote(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}
