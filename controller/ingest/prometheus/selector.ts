// Series selectors for exporter sources, in PromQL's syntax without the query language around
// it: `name` or `name{label="v", other!="w", zone=~"pkg|dram", id!~"tmp.*"}`. Regular expressions
// are anchored at both ends, as in Prometheus (JavaScript syntax, which covers the usual RE2 use).
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { readQuoted, type Sample } from "./exposition.js";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
  test(actual: string): boolean;
}

export interface Selector {
  metric: string;
  matchers: LabelMatcher[];
  /** As written in the configuration, for log lines. */
  text: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const OPS: MatchOp[] = ["=~", "!~", "!=", "="]; // two-character operators first

/** Parses a selector; `field` names the configuration field in the error. */
export function parseSelector(text: string, field: string): Parsed<Selector> {
  const fail = (message: string): Parsed<Selector> => ({ error: ControllerError.invalid(field, message) });
  const trimmed = text.trim();
  const metric = METRIC_NAME.exec(trimmed)?.[0];
  if (metric === undefined) return fail(`expected a metric name, e.g. node_power_watts{zone="1"}`);
  const matchers: LabelMatcher[] = [];
  let i = metric.length;
  const skipBlanks = (): void => {
    while (trimmed[i] === " " || trimmed[i] === "\t") i++;
  };
  skipBlanks();
  if (i === trimmed.length) return { value: { metric, matchers, text: trimmed } };
  if (trimmed[i] !== "{") return fail(`unexpected '${trimmed.slice(i)}' after the metric name`);
  i++;
  for (;;) {
    skipBlanks();
    if (trimmed[i] === "}") break;
    const label = LABEL_NAME.exec(trimmed.slice(i))?.[0];
    if (label === undefined) return fail(`expected a label name at column ${i + 1}`);
    i += label.length;
    skipBlanks();
    const op = OPS.find((o) => trimmed.startsWith(o, i));
    if (op === undefined) return fail(`expected =, !=, =~ or !~ after '${label}'`);
    i += op.length;
    skipBlanks();
    const quoted = readQuoted(trimmed, i);
    if ("error" in quoted) return fail(quoted.error);
    const matcher = toMatcher(label, op, quoted.value);
    if (typeof matcher === "string") return fail(matcher);
    matchers.push(matcher);
    i = quoted.end;
    skipBlanks();
    if (trimmed[i] === ",") i++;
    else if (trimmed[i] !== "}") return fail(`expected ',' or '}' at column ${i + 1}`);
  }
  if (i + 1 !== trimmed.length) return fail(`unexpected '${trimmed.slice(i + 1)}' after '}'`);
  return { value: { metric, matchers, text: trimmed } };
}

function toMatcher(label: string, op: MatchOp, value: string): LabelMatcher | string {
  if (op === "=") return { label, op, value, test: (a) => a === value };
  if (op === "!=") return { label, op, value, test: (a) => a !== value };
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${value})$`, "u");
  } catch (e) {
    return `bad regular expression for '${label}': ${(e as Error).message}`;
  }
  return op === "=~" ? { label, op, value, test: (a) => re.test(a) } : { label, op, value, test: (a) => !re.test(a) };
}

/** Whether a sample is one of the selected series; a missing label counts as "", as in PromQL. */
export function selects(selector: Selector, sample: Sample): boolean {
  if (sample.name !== selector.metric) return false;
  return selector.matchers.every((m) => m.test(Object.hasOwn(sample.labels, m.label) ? sample.labels[m.label]! : ""));
}
