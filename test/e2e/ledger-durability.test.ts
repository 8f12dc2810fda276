// The ledger of a real controller process as an auditor relies on it: every table a poller ever
// received is in the log, even when the controller is killed with SIGKILL under load; the log
// verifies after every kill; versions keep rising across restarts; a second controller on the same
// directory refuses to start; a vanished ledger directory neither spins nor hangs shutdown.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseEtag } from "../../controller/http/table-route.js";
import { startControllerProcess, type ControllerProcess } from "../support/controller-process.js";
import { ledgerTableVersions, vkeysFromLogs } from "../support/ledger-contents.js";

const LEDGER_CLI = join(import.meta.dirname, "..", "..", "dist", "controller", "ledger", "cli", "solar-ledger.js");

const CONFIG = `
table: { ttl_ms: 60000, max_wait_ms: 5000 }
planning: { interval_ms: 200 }
sites:
  - { name: east, capacity_rps: 1000, pv_peak_watts: 20000, watts_per_rps: 10, location: { lat: 40.7, lon: -74.0 } }
  - { name: west, capacity_rps: 1000, pv_peak_watts: 20000, watts_per_rps: 10, location: { lat: 37.8, lon: -122.4 } }
services:
  - { key: shop.example.com, demand_rps: 400, upstreams: { east: site-east, west: site-west } }
`;

const started: ControllerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) await c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "solar-ledger-e2e-"));
  dirs.push(dir);
  return dir;
}

async function start(cwd: string, tokens?: ControllerProcess["tokens"]): Promise<ControllerProcess> {
  const c = await startControllerProcess({ configYaml: CONFIG, cwd, ...(tokens ? { tokens } : {}) });
  started.push(c);
  return c;
}

/** Long-polls like a proxy and keeps every version it is handed, until stopped. */
function poll(controller: ControllerProcess): { versions: bigint[]; stop: () => Promise<void> } {
  const versions: bigint[] = [];
  let running = true;
  const loop = (async () => {
    let seen: bigint | null = null;
    while (running) {
      try {
        const res = await fetch(`${controller.url}/v1/table?wait_ms=2000`, {
          headers: { ...controller.readerHeaders(), ...(seen === null ? {} : { "if-none-match": `"${seen}"` }) },
        });
        if (res.status === 200) {
          seen = parseEtag(res.headers.get("etag") ?? undefined);
          if (seen !== null) versions.push(seen);
        }
        await res.arrayBuffer();
      } catch {
        return; // the controller is gone
      }
    }
  })();
  return { versions, stop: async () => { running = false; await loop; } };
}

/** Flips a site's health as fast as the API takes it: every flip asks for a table at once. */
function churn(controller: ControllerProcess): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        await fetch(`${controller.url}/v1/energy`, {
          method: "POST",
          headers: { ...controller.writerHeaders(), "content-type": "application/json" },
          body: JSON.stringify({ readings: [{ site: "east", timestamp: Date.now(), health: i % 2 === 0 ? "draining" : "healthy" }] }),
        }).then((r) => r.arrayBuffer());
      } catch {
        return;
      }
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

function verify(ledgerDir: string, vkeys: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [LEDGER_CLI, "verify", ledgerDir, ...vkeys.flatMap((k) => ["--vkey", k])], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("ledger of a controller process", () => {
  it("holds every table a poller received, through SIGKILLs under load, and verifies after each", async () => {
    const cwd = workDir();
    const ledgerDir = join(cwd, "data", "ledger");
    const received: bigint[] = [];
    let tokens: ControllerProcess["tokens"] | undefined;
    let vkeys: string[] = [];
    for (let round = 0; round < 3; round++) {
      const controller = await start(cwd, tokens);
      tokens = controller.tokens;
      vkeys = vkeysFromLogs(controller.logs());
      const poller = poll(controller);
      const writer = churn(controller);
      // Long enough for many tables, short enough to kill mid-integration at a random point.
      await new Promise((r) => setTimeout(r, 600 + Math.random() * 900));
      await controller.kill();
      await Promise.all([poller.stop(), writer.stop()]);
      expect(poller.versions.length).toBeGreaterThan(3);
      received.push(...poller.versions);

      const verdict = verify(ledgerDir, vkeys);
      expect(verdict.out).toMatch(/^OK size \d+ /m);
      expect(verdict.status).toBe(0);
      const inLedger = new Set(await ledgerTableVersions(ledgerDir));
      const missing = received.filter((v) => !inLedger.has(v));
      expect(missing, `versions received by the poller but not in the ledger (round ${round})`).toEqual([]);
    }
    // Each restart's tables outrank the last round's.
    for (let i = 1; i < received.length; i++) expect(received[i]! > received[i - 1]!).toBe(true);
  });

  it("refuses a second controller on the same ledger directory, and the first carries on", async () => {
    const cwd = workDir();
    const first = await start(cwd);
    const second = startControllerProcess({ configYaml: CONFIG, cwd, timeoutMs: 10_000 });
    second.then((c) => started.push(c), () => undefined); // killed after the test if it did start
    await expect(second).rejects.toThrow(/exited with 1[\s\S]*ledger[\s\S]*(lock|in use)/i);
    const res = await fetch(`${first.url}/v1/table`, { headers: first.readerHeaders() });
    expect(res.status).toBe(200);
    const vkeys = vkeysFromLogs(first.logs());
    expect(await first.stop()).toBe(0);
    expect(verify(join(cwd, "data", "ledger"), vkeys).status).toBe(0);
  });

  it("does not spin or hang when its ledger directory disappears: not ready, counted, stops on SIGTERM", async () => {
    const cwd = workDir();
    const controller = await start(cwd);
    expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);
    rmSync(join(cwd, "data", "ledger"), { recursive: true, force: true });
    const writer = churn(controller);
    const cpuBefore = cpuSeconds(controller.pid);
    const wallBefore = performance.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const coreShare = (cpuSeconds(controller.pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
    await writer.stop();
    // A spin holds a whole core (share ≈ 1); the churn itself costs about half of one here,
    // more when the rest of the suite competes for the two cores.
    expect(coreShare, "share of one core the controller used with its ledger gone").toBeLessThan(0.85);
    expect((await fetch(`${controller.url}/readyz`)).status).toBe(503);
    const metrics = await (await fetch(`${controller.url}/metrics`)).text();
    // The table planned meanwhile waits for its record (never served unrecorded); the log counts its retries.
    expect(metrics).toMatch(/^solar_controller_ledger_integration_failures_total [1-9]/m);
    expect(await controller.stop(10_000)).toBe(0);
  });
});

/** User + system CPU time of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
