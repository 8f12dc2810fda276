// The policy table printed on stdout and put in the README.
import type { PolicyScore } from "../score.js";

const COLUMNS: readonly [string, (s: PolicyScore) => string][] = [
  ["policy", (s) => s.policy],
  ["renewable %", (s) => s.renewableSharePct.toFixed(1)],
  ["grid kgCO2", (s) => s.gridKgCo2.toFixed(1)],
  ["of oracle saving %", (s) => (s.oracleSavingPct === null ? "—" : s.oracleSavingPct.toFixed(1))],
  ["lost (outage)", (s) => Math.round(s.lostToOutage).toLocaleString("en-US")],
  ["lost (energy)", (s) => Math.round(s.lostToEnergy).toLocaleString("en-US")],
  ["overload site-min", (s) => s.overloadSiteMinutes.toFixed(0)],
  ["req over capacity", (s) => Math.round(s.requestsOverCapacity).toLocaleString("en-US")],
  ["p50 ms", (s) => s.latencyP50Ms.toFixed(0)],
  ["p95 ms", (s) => s.latencyP95Ms.toFixed(0)],
  ["SLO missed", (s) => (s.sloMissed.length === 0 ? "none" : s.sloMissed.join(" "))],
  ["churn/h", (s) => s.churnPerHour.toFixed(0)],
  ["max step", (s) => s.largestStep.toFixed(0)],
  ["plan p50 ms", (s) => s.planP50Ms.toFixed(2)],
  ["plan p99 ms", (s) => s.planP99Ms.toFixed(2)],
  ["fallbacks", (s) => String(s.fallbacks)],
  ["outage→last req s", (s) => (s.faultToLastRequestS === null ? "—" : s.faultToLastRequestS.toFixed(0))],
];

/** A Markdown table: readable on a terminal, and pasted as it is into the README. */
export function scoreTable(scores: readonly PolicyScore[]): string {
  const rows = scores.map((s) => COLUMNS.map(([, f]) => f(s)));
  const head = COLUMNS.map(([h]) => h);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join(" | ")} |`;
  return [line(head), `|${widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`, ...rows.map(line)].join("\n");
}
