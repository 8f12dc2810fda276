// A latency matrix CSV: a header of destination names, one row per origin whose first cell is
// the origin's name (in `originColumn`), round-trip latency in ms in the cells. A name given
// twice in the header or in the origin column is refused only if a scenario asks for it.
import { readFileSync } from "node:fs";
import { parseCsv, type CsvTable } from "./csv-records.js";
import { ScenarioError, at } from "./scenario-error.js";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface LatencyMatrix {
  /** Latency from `origin` (a row) to `destination` (a column), ms; throws ScenarioError. */
  latencyMs(origin: string, destination: string): number;
}

export function readLatencyMatrix(file: string, originColumn: string): LatencyMatrix {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError(`${file}: cannot read the latency matrix (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseLatencyMatrix(file, text, originColumn);
}

export function parseLatencyMatrix(file: string, text: string, originColumn: string): LatencyMatrix {
  const table: CsvTable = parseCsv(file, text);
  const originIndex = table.header.indexOf(originColumn);
  if (originIndex < 0) throw new ScenarioError(`${at(file, 1)}: no column "${originColumn}" (columns: ${table.header.join(", ")})`);
  return {
    latencyMs(origin: string, destination: string): number {
      const rows = table.records.filter((r) => r.fields[originIndex] === origin);
      if (rows.length === 0) throw new ScenarioError(`${file}: no row "${origin}" in column "${originColumn}"`);
      if (rows.length > 1) throw new ScenarioError(`${file}: row "${origin}" is ambiguous: lines ${rows.map((r) => r.line).join(" and ")}`);
      const columns = table.header.flatMap((name, i) => (name === destination && i !== originIndex ? [i] : []));
      if (columns.length === 0) throw new ScenarioError(`${at(file, 1)}: no column "${destination}"`);
      if (columns.length > 1) throw new ScenarioError(`${at(file, 1)}: column "${destination}" is ambiguous: columns ${columns.map((i) => i + 1).join(" and ")}`);
      const row = rows[0]!;
      const index = columns[0]!;
      const cell = row.fields[index]!.trim();
      const where = at(file, row.line, { index: index + 1, name: destination });
      if (!NUMBER.test(cell)) throw new ScenarioError(`${where}: expected a latency in ms, got ${JSON.stringify(cell)}`);
      const ms = Number(cell);
      if (ms < 0) throw new ScenarioError(`${where}: a latency cannot be negative (${ms})`);
      return ms;
    },
  };
}
