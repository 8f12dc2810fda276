// `npm run simulate`: every policy through one scenario, scored side by side. Prints the policy
// table, and writes simulation.json and one SVG per policy into --out.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadPlanSolver } from "../../controller/plan/predictive/plan-solver.js";
import { makePolicy, parsePolicyNames, POLICY_NAMES } from "./policies/registry.js";
import { policySvg } from "./report/policy-svg.js";
import { scoreTable } from "./report/score-table.js";
import { runPolicy, type RunResult } from "./run-policy.js";
import { loadScenario } from "./scenario/load-scenario.js";
import { scoreRun } from "./score.js";

const USAGE = `usage: npm run simulate -- [--scenario FILE] [--policies ${POLICY_NAMES.join(",")}] [--days N] [--out DIR]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string", default: "bench/simulator/scenarios/default.yaml" },
      policies: { type: "string", default: POLICY_NAMES.join(",") },
      days: { type: "string" },
      out: { type: "string", default: "results/simulate" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  let days: number | undefined;
  if (values.days !== undefined) {
    days = Number(values.days);
    if (!(Number.isFinite(days) && days > 0)) throw new Error(`--days: expected a number of days > 0, got '${values.days}'`);
  }
  const names = parsePolicyNames(values.policies);
  const scenario = loadScenario(values.scenario, days === undefined ? {} : { days });
  const solver = await loadPlanSolver();
  // Round-robin is the reference every saving is measured against: always run it.
  const order = names.includes("round-robin") ? names : ["round-robin" as const, ...names];
  console.log(`scenario ${scenario.name} (${values.scenario}): ${scenario.sites.length} sites, ${scenario.services.length} services, `
    + `${scenario.steps} steps of ${scenario.stepSeconds} s (${((scenario.steps * scenario.stepSeconds) / 86_400).toFixed(1)} days)`);
  const runs: RunResult[] = [];
  for (const name of order) {
    const began = performance.now();
    runs.push(runPolicy(scenario, makePolicy(name, { scenario, solver }), { keepSeries: true }));
    console.log(`  ${name}: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
  const rr = runs.find((r) => r.policy === "round-robin");
  const oracleRun = runs.find((r) => r.policy === "oracle");
  const scores = runs.map((r) => scoreRun(scenario, r, rr, oracleRun));
  console.log("");
  console.log(scoreTable(scores));

  mkdirSync(values.out, { recursive: true });
  const json = {
    scenario: { name: scenario.name, file: values.scenario, steps: scenario.steps, stepSeconds: scenario.stepSeconds, startMs: scenario.startMs },
    scores,
  };
  writeFileSync(path.join(values.out, "simulation.json"), JSON.stringify(json, null, 2) + "\n");
  for (const run of runs) writeFileSync(path.join(values.out, `${run.policy}.svg`), policySvg(scenario, run));
  console.log(`\nwrote ${path.join(values.out, "simulation.json")} and ${runs.length} SVG plots`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exitCode = 2;
});
