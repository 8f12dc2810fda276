// Churn through the running controller: a writer posting readings as fast as it can no longer
// drives a table (a refetch by every proxy, two ledger records) per reading. Readings wait for the
// planning tick; only a health or drain change plans at once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startController, type RunningController } from "../../../controller/app.js";
import { Credentials } from "../../../controller/auth/credentials.js";
import { parseConfig } from "../../../controller/config/load.js";
import { DEFAULT_CONFIG_YAML } from "../../../controller/config/defaults.js";
import { createLogger } from "../../../controller/ops/logger.js";

const WRITER = "churn-test-writer-0123456789";
const TICK_MS = 1_000;

let controller: RunningController | undefined;
let dir: string | undefined;
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<RunningController> {
  dir = mkdtempSync(join(tmpdir(), "solar-churn-"));
  const config = parseConfig(DEFAULT_CONFIG_YAML).value!;
  config.listen = { http: "127.0.0.1:0", grpc: "127.0.0.1:0" };
  config.planning = { ...config.planning, intervalMs: TICK_MS };
  config.ledger = { ...config.ledger, dir: join(dir, "log"), keysDir: join(dir, "keys") };
  controller = await startController(config, {
    logger: createLogger("silent"), credentials: Credentials.fromTokens({ reader: [], writer: [WRITER] }),
  });
  return controller;
}

async function post(c: RunningController, reading: object): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${c.httpPort}/v1/energy`, {
    method: "POST", headers: { authorization: `Bearer ${WRITER}`, "content-type": "application/json" },
    body: JSON.stringify({ readings: [{ site: "berlin", timestamp: Date.now(), ...reading }] }),
  });
  expect(res.status).toBe(200);
}

async function count(c: RunningController, name: string): Promise<number> {
  const text = await c.metrics.registry.getSingleMetricAsString(name);
  return [...text.matchAll(/^\S+(?:\{[^}]*\})? (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe("churn", () => {
  it("folds a stream of readings into one table per planning tick", async () => {
    const c = await start();
    const before = await count(c, "solar_controller_tables_published_total");
    const started = performance.now();
    for (let i = 0; i < 200; i++) await post(c, { pv_watts: 1_000 + 100 * i, battery_soc_percent: i % 100 });
    const ticks = Math.ceil((performance.now() - started) / TICK_MS);
    const published = (await count(c, "solar_controller_tables_published_total")) - before;
    // At most one per tick that passed (plus the one a tick in flight at the start may add).
    expect(published).toBeLessThanOrEqual(ticks + 1);
    expect(await count(c, "solar_controller_plan_changes_coalesced_total")).toBe(200);
  });

  it("still plans at once for a drain", async () => {
    const c = await start();
    const before = c.feed.latest()!.version;
    await post(c, { health: "draining" });
    // No tick needed: the drain's own cycle records and serves the table.
    for (let i = 0; i < 200 && c.feed.latest()!.version === before; i++) await new Promise((r) => setTimeout(r, 5));
    const table = c.feed.latest()!;
    expect(table.version > before).toBe(true);
    const berlin = table.table.services.flatMap((s) => s.upstreams).filter((u) => u.name === "site-ber");
    expect(berlin.every((u) => u.draining && u.weight === 0)).toBe(true);
    expect(await count(c, "solar_controller_plans_total")).toBeGreaterThanOrEqual(2);
  });
});
