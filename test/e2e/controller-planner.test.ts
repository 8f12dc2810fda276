// The controller as a process with each planner: the predictive one loads its solver and warms
// up before the first table, serves tables it made itself (no fallback counted, every reason
// exported at 0) and the ledger names it in every table record; the greedy one is named likewise.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readHead, readRecentRecords } from "../../controller/ledger/read-log.js";
import type { TablePublished } from "../../controller/ledger/records/record.js";
import { PosixStorage } from "../../controller/ledger/storage/posix/posix-storage.js";
import { decodeTable } from "../../controller/table/decode.js";
import { startControllerProcess, type ControllerProcess } from "../support/controller-process.js";

const config = (planner: string) => `
planning: { interval_ms: 500, planner: ${planner}, horizon_steps: 24, time_budget_ms: 50 }
sites:
  - { name: sun, capacity_rps: 1000, pv_peak_watts: 20000, battery_wh: 10000, watts_per_rps: 10, location: { lat: 37.8, lon: -122.4 }, grid_carbon_g_per_kwh: 400 }
  - { name: shade, capacity_rps: 1000, pv_peak_watts: 0, watts_per_rps: 10, location: { lat: 52.5, lon: 13.4 }, grid_carbon_g_per_kwh: 300 }
services:
  - { key: api.example.com, demand_rps: 300, upstreams: { sun: api-sun, shade: api-shade } }
  - { key: shop.example.com, demand_rps: 200, upstreams: { sun: shop-sun, shade: shop-shade } }
`;

let controller: ControllerProcess | null = null;
let cwd: string | null = null;
afterEach(async () => {
  await controller?.kill();
  controller = null;
  if (cwd !== null) rmSync(cwd, { recursive: true, force: true });
  cwd = null;
});

async function start(planner: string): Promise<ControllerProcess> {
  cwd = mkdtempSync(join(tmpdir(), "solar-planner-"));
  controller = await startControllerProcess({ configYaml: config(planner), cwd });
  return controller;
}

async function servedServices(c: ControllerProcess): Promise<string[]> {
  const res = await fetch(`${c.url}/v1/table`, { headers: c.readerHeaders() });
  expect(res.status).toBe(200);
  const table = decodeTable(new Uint8Array(await res.arrayBuffer()));
  if (table.error) throw new Error(table.error.message);
  for (const s of table.value.services) expect(s.upstreams.reduce((n, u) => n + u.weight, 0)).toBe(10_000);
  return table.value.services.map((s) => s.key);
}

async function fallbackCounts(c: ControllerProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const counts = [...text.matchAll(/^solar_controller_plan_fallbacks_total\{reason="([a-z_]+)"\} (\d+)$/gm)];
  return Object.fromEntries(counts.map((m) => [m[1]!, Number(m[2])]));
}

/** Every table record in the process's ledger (read after it stopped, so nothing is in flight). */
async function tableRecords(dir: string): Promise<TablePublished[]> {
  const storage = new PosixStorage(join(dir, "data", "ledger"));
  const records = await readRecentRecords(storage, (await readHead(storage)).size);
  return records.flatMap((r) => (r.kind === "table_published" ? [r] : []));
}

const logLine = (c: ControllerProcess, msg: string): Record<string, unknown> | undefined =>
  c.logs().filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as Record<string, unknown>)[0];

describe("controller process planners", () => {
  it("plans with the predictive planner: solver warmed up before the first table, no fallback, named in the ledger", async () => {
    const c = await start("predictive");
    const loaded = logLine(c, "plan solver loaded");
    expect(loaded).toMatchObject({ planner: "predictive", horizonSteps: 24, timeBudgetMs: 50 });
    // The warm-up comes before the first table is published.
    const lines = c.logs();
    expect(lines.findIndex((l) => l.includes('"msg":"plan solver loaded"')))
      .toBeLessThan(lines.findIndex((l) => l.includes('"msg":"published weight table"')));
    expect(await servedServices(c)).toEqual(["api.example.com", "shop.example.com"]);
    // A few more cycles (a table is recorded only when weights change or go stale; every cycle counts).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await fallbackCounts(c)).toEqual({ infeasible: 0, solver_error: 0, time_budget: 0 });
    expect(c.logs().some((l) => l.includes("the predictive planner could not plan"))).toBe(false);
    expect(await c.stop()).toBe(0);
    const records = await tableRecords(cwd!);
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const r of records) expect(r.planner).toEqual({ name: "predictive", fallback_reason: null });
  });

  it("plans with the greedy planner when configured: no solver loaded, the ledger names it", async () => {
    const c = await start("greedy");
    expect(await servedServices(c)).toEqual(["api.example.com", "shop.example.com"]);
    expect(logLine(c, "plan solver loaded")).toBeUndefined();
    expect(await fallbackCounts(c)).toEqual({ infeasible: 0, solver_error: 0, time_budget: 0 });
    expect(await c.stop()).toBe(0);
    const records = await tableRecords(cwd!);
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const r of records) expect(r.planner).toEqual({ name: "greedy", fallback_reason: null });
  });
});
