// `npm run simulate` end to end on the short bundled scenario: the CLI as a user runs it, its
// table, its JSON and its SVG plots, and the orderings any correct run must show.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyScore } from "../../../bench/simulator/score.js";

const run = promisify(execFile);
const POLICIES = ["round-robin", "capacity", "carbon-greedy", "solar-greedy", "planner", "predictive", "oracle"];

describe("npm run simulate (short scenario)", () => {
  let out: string;
  let stdout: string;
  let scores: PolicyScore[];

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), "simulate-"));
    ({ stdout } = await run("npx", ["tsx", "bench/simulator/simulate.ts", "--scenario", "bench/simulator/scenarios/short.yaml", "--out", out], { timeout: 240_000 }));
    scores = (JSON.parse(readFileSync(path.join(out, "simulation.json"), "utf8")) as { scores: PolicyScore[] }).scores;
  }, 300_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("prints one row per policy in the table", () => {
    expect(stdout).toContain("| policy ");
    for (const p of POLICIES) expect(stdout).toMatch(new RegExp(`^\\| ${p} +\\|`, "m"));
  });

  it("writes the JSON scores and an SVG per policy with a panel per site", () => {
    expect(scores.map((s) => s.policy)).toEqual(POLICIES);
    const svgs = readdirSync(out).filter((f) => f.endsWith(".svg")).sort();
    expect(svgs).toEqual([...POLICIES].sort().map((p) => `${p}.svg`));
    const svg = readFileSync(path.join(out, "predictive.svg"), "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<polygon /g)?.length).toBe(3); // PV of each of the 3 sites
  });

  it("the oracle is the bound: no policy emits less carbon, and round-robin saves nothing by definition", () => {
    const oracle = scores.find((s) => s.policy === "oracle")!;
    for (const s of scores) expect(s.gridKgCo2).toBeGreaterThanOrEqual(oracle.gridKgCo2 * 0.999);
    expect(oracle.oracleSavingPct).toBeCloseTo(100, 6);
    expect(scores[0]!.oracleSavingPct).toBeCloseTo(0, 6);
  });

  it("the predictive planner never runs the off-grid site dry and beats today's planner", () => {
    const predictive = scores.find((s) => s.policy === "predictive")!;
    const planner = scores.find((s) => s.policy === "planner")!;
    expect(predictive.lostToEnergy).toBe(0);
    expect(predictive.gridKgCo2).toBeLessThan(planner.gridKgCo2);
    expect(predictive.sloMissed).toEqual([]);
  });

  it("refuses an unknown policy with the list of known ones", async () => {
    await expect(run("npx", ["tsx", "bench/simulator/simulate.ts", "--policies", "round-robin,best"], { timeout: 60_000 }))
      .rejects.toMatchObject({ stderr: expect.stringContaining("unknown policy 'best', expected one of round-robin, capacity") });
  });
});
