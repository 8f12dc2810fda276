// One SVG per policy: a panel per site with its PV (share of peak, filled), the share of all
// traffic sent there, and its battery's state of charge, over the whole run. Plain SVG polylines
// so the file opens in any browser; long runs are averaged into at most `maxPoints` columns.
import type { RunResult } from "../run-policy.js";
import type { Scenario } from "../scenario/scenario.js";

const WIDTH = 1200;
const PANEL = 90;
const GAP = 28;
const LEFT = 130;
const RIGHT = 20;
const TOP = 40;

export function policySvg(scenario: Scenario, run: RunResult, maxPoints = 1_000): string {
  const s = run.series;
  const steps = s.pvWatts.length;
  if (steps === 0) throw new Error("policySvg: the run kept no series (run with keepSeries)");
  const bucket = Math.max(1, Math.ceil(steps / maxPoints));
  const columns = Math.ceil(steps / bucket);
  const plotW = WIDTH - LEFT - RIGHT;
  const height = TOP + scenario.sites.length * (PANEL + GAP) + 30;
  const xAt = (c: number): number => LEFT + (columns <= 1 ? 0 : (c / (columns - 1)) * plotW);
  const mean = (f: (t: number) => number, c: number): number => {
    let sum = 0;
    let n = 0;
    for (let t = c * bucket; t < Math.min(steps, (c + 1) * bucket); t++, n++) sum += f(t);
    return n > 0 ? sum / n : 0;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="15">${escape(run.policy)} on ${escape(scenario.name)}: PV (share of peak, yellow), traffic share (blue), battery charge (green), ${days(scenario)} days</text>`,
  ];
  scenario.sites.forEach((site, i) => {
    const top = TOP + i * (PANEL + GAP);
    const yAt = (v: number): number => top + PANEL - Math.max(0, Math.min(1, v)) * PANEL;
    const pv = Array.from({ length: columns }, (_, c) => mean((t) => (site.pvPeakWatts > 0 ? s.pvWatts[t]![i]! / site.pvPeakWatts : 0), c));
    const share = Array.from({ length: columns }, (_, c) => mean((t) => (s.totalDemandRps[t]! > 0 ? s.loadRps[t]![i]! / s.totalDemandRps[t]! : 0), c));
    const soc = Array.from({ length: columns }, (_, c) => mean((t) => s.soc[t]![i]!, c));
    const line = (values: number[]): string => values.map((v, c) => `${xAt(c).toFixed(1)},${yAt(v).toFixed(1)}`).join(" ");
    parts.push(
      `<text x="8" y="${top + PANEL / 2}">${escape(site.name)}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
      `<polygon fill="#f7d560" fill-opacity="0.6" points="${xAt(0).toFixed(1)},${yAt(0)} ${line(pv)} ${xAt(columns - 1).toFixed(1)},${yAt(0)}"/>`,
      site.battery.capacityWh > 0 ? `<polyline fill="none" stroke="#2a9d4b" stroke-width="1.2" points="${line(soc)}"/>` : "",
      `<polyline fill="none" stroke="#1f5fbf" stroke-width="1.2" points="${line(share)}"/>`,
    );
  });
  const axisY = TOP + scenario.sites.length * (PANEL + GAP) + 5;
  for (let d = 0; d <= days(scenario); d += Math.max(1, Math.round(days(scenario) / 10))) {
    const x = LEFT + ((d * 86_400) / (steps * scenario.stepSeconds)) * plotW;
    parts.push(`<text x="${x.toFixed(1)}" y="${axisY + 12}" text-anchor="middle">day ${d}</text>`);
  }
  parts.push("</svg>");
  return parts.filter((p) => p !== "").join("\n") + "\n";
}

function days(scenario: Scenario): number {
  return Math.round((scenario.steps * scenario.stepSeconds) / 86_400);
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
