// One error type for everything wrong with a scenario or its traces. The message always says
// where: file:line:column for CSV data, the YAML path (and its line) for the scenario file.

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** `file:line` or `file:line:column (column "name")`, the prefix of every data error. */
export function at(file: string, line?: number, column?: { index: number; name: string }): string {
  if (line === undefined) return file;
  if (column === undefined) return `${file}:${line}`;
  return `${file}:${line}:${column.index} (column "${column.name}")`;
}
