// A strict parser for the Prometheus text exposition format 0.0.4, as exporters serve it on
// /metrics. Anything it does not understand is refused with the line number, so a garbled or
// truncated scrape never turns into a reading.
import { ControllerError, type Parsed } from "../../errors/controller-error.js";

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Milliseconds since the epoch, when the exporter gave one. */
  timestampMs?: number;
}

export interface Exposition {
  samples: Sample[];
  /** From `# TYPE` lines, by metric family name. */
  types: ReadonlyMap<string, MetricType>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d{1,16}$/;
const BLANKS = /^[ \t]+|[ \t]+$/g; // only blanks and tabs: a stray \r is an error, not whitespace
// Sample names a histogram or summary family expands to, besides its own name.
const FAMILY_SUFFIXES = ["_bucket", "_sum", "_count"];

/** The number a sample value token stands for: decimals, NaN and ±Inf; undefined if none. */
export function parseFloatToken(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token);
  if (/^nan$/i.test(token)) return Number.NaN;
  if (/^[+]?inf$/i.test(token)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(token)) return Number.NEGATIVE_INFINITY;
  return undefined;
}

/**
 * Reads a double-quoted label value starting at `text[start]` (the opening quote); the only
 * escapes are \\, \" and \n. Returns the value and the index after the closing quote.
 */
export function readQuoted(text: string, start: number): { value: string; end: number } | { error: string } {
  if (text[start] !== '"') return { error: "expected '\"' to open a label value" };
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c !== "\\") {
      value += c;
      continue;
    }
    const next = text[++i];
    if (next === "\\" || next === '"') value += next;
    else if (next === "n") value += "\n";
    else return { error: `unknown escape '\\${next ?? ""}' in a label value` };
  }
  return { error: "unterminated label value" };
}

/** The family a sample belongs to: its own name, or the histogram/summary it is part of. */
export function familyOf(name: string, types: ReadonlyMap<string, MetricType>): string {
  if (types.has(name)) return name;
  for (const suffix of FAMILY_SUFFIXES) {
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (name.endsWith(suffix) && (type === "histogram" || type === "summary")) return base;
  }
  return name;
}

export function parseExposition(text: string): Parsed<Exposition> {
  const samples: Sample[] = [];
  const types = new Map<string, MetricType>();
  const helped = new Set<string>();
  const seenFamilies = new Set<string>();
  const seenSeries = new Set<string>();
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const fail = (message: string): Parsed<Exposition> => ({ error: ControllerError.invalid(`line ${i + 1}`, message) });
    const line = raw.replace(BLANKS, "");
    if (line === "") continue;
    if (line.startsWith("#")) {
      const parts = line.slice(1).replace(BLANKS, "").split(/[ \t]+/);
      const [keyword, name, ...rest] = parts;
      if (keyword !== "HELP" && keyword !== "TYPE") continue; // a plain comment
      if (name === undefined || METRIC_NAME.exec(name)?.[0] !== name) return fail(`${keyword} needs a metric name`);
      if (keyword === "HELP") {
        if (helped.has(name)) return fail(`second HELP for '${name}'`);
        helped.add(name);
        continue;
      }
      const type = rest.join(" ") as MetricType;
      if (!TYPES.has(type)) return fail(`unknown metric type '${type}' for '${name}'`);
      if (types.has(name)) return fail(`second TYPE for '${name}'`);
      if (seenFamilies.has(name)) return fail(`TYPE for '${name}' after its samples`);
      types.set(name, type);
      continue;
    }
    const sample = parseSampleLine(line);
    if ("error" in sample) return fail(sample.error);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSeries.has(series)) return fail(`duplicate series for '${sample.name}'`);
    seenSeries.add(series);
    seenFamilies.add(familyOf(sample.name, types));
    samples.push(sample);
  }
  return { value: { samples, types } };
}

function parseSampleLine(line: string): Sample | { error: string } {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) return { error: "expected a metric name" };
  let i = name.length;
  let labels: Record<string, string> = {};
  if (line[i] === "{") {
    const set = parseLabelSet(line, i);
    if ("error" in set) return set;
    labels = set.labels;
    i = set.end;
  }
  const tokens = line.slice(i).replace(BLANKS, "").split(/[ \t]+/);
  if (!/^[ \t]/.test(line.slice(i)) || tokens[0] === "") return { error: `expected a value after '${name}'` };
  if (tokens.length > 2) return { error: `unexpected '${tokens[2]}' after the timestamp` };
  const value = parseFloatToken(tokens[0]!);
  if (value === undefined) return { error: `'${tokens[0]}' is not a number` };
  const sample: Sample = { name, labels, value };
  if (tokens[1] !== undefined) {
    if (!TIMESTAMP.test(tokens[1])) return { error: `'${tokens[1]}' is not a millisecond timestamp` };
    sample.timestampMs = Number(tokens[1]);
  }
  return sample;
}

/** `{name="value",...}` from `line[start]` (the brace); a trailing comma is allowed. */
function parseLabelSet(line: string, start: number): { labels: Record<string, string>; end: number } | { error: string } {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = start + 1;
  const skipBlanks = (): void => {
    while (line[i] === " " || line[i] === "\t") i++;
  };
  for (;;) {
    skipBlanks();
    if (line[i] === "}") return { labels: { ...labels }, end: i + 1 };
    const label = LABEL_NAME.exec(line.slice(i))?.[0];
    if (label === undefined) return { error: `expected a label name at column ${i + 1}` };
    if (label in labels) return { error: `duplicate label '${label}'` };
    i += label.length;
    skipBlanks();
    if (line[i] !== "=") return { error: `expected '=' after label '${label}'` };
    i++;
    skipBlanks();
    const quoted = readQuoted(line, i);
    if ("error" in quoted) return quoted;
    labels[label] = quoted.value;
    i = quoted.end;
    skipBlanks();
    if (line[i] === ",") i++;
    else if (line[i] !== "}") return { error: `expected ',' or '}' at column ${i + 1}` };
  }
}
