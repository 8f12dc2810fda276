// What the recorder writes for one table: the site states the planner read (percentages as read,
// forecasts as used) and the table record linked to them and to the table's bytes, in one
// checkpoint; a big mesh's records, past an entry's 65,535 bytes, go in parts and come back whole.
import { describe, expect, it } from "vitest";
import { TableFeed } from "../../../controller/delivery/table-feed.js";
import { LedgerRecorder, snapshotOf } from "../../../controller/ledger/recorder.js";
import { readRecentRecords } from "../../../controller/ledger/read-log.js";
import { recordSha256, sha256Hex } from "../../../controller/ledger/records/codec.js";
import { PosixStorage } from "../../../controller/ledger/storage/posix/posix-storage.js";
import { verifyLog } from "../../../controller/ledger/verify/verify-log.js";
import type { SiteState } from "../../../controller/plan/site-state.js";
import type { PlannedTable } from "../../../controller/plan/plan-step.js";
import type { Service } from "../../../controller/table/weight-table.js";
import { NOW, trusted } from "./checkpoint/fixed-keys.js";
import { open, tempDir } from "./log/support.js";

function site(name: string, soc: number, forecastPoints: number): SiteState {
  return {
    site: name, health: "healthy", capacityRps: 1_000, wattsPerRps: 10, baseLoadWatts: 0, pvNowWatts: 1_234.5,
    pvForecastWatts: Array.from({ length: forecastPoints }, (_, i) => 1_000 + i), batteryWh: 50_000, batterySoc: soc,
    gridCarbonGPerKwh: 321, latencyP95Ms: 25, loadRps: 12.5,
  };
}

function planned(sites: SiteState[], services: Service[]): PlannedTable {
  return { nowMs: NOW * 1_000, services, sites, model: { id: "baseline-smart-persistence", sha256: null } };
}

describe("LedgerRecorder", () => {
  it("records the site states the plan read, with percentages as they were read", () => {
    const snapshot = snapshotOf(planned([site("berlin", 0.55, 3), site("sydney", 0.57, 0)], []));
    expect(snapshot.sites.map((s) => s.battery_soc_percent)).toEqual([55, 57]);
    expect(snapshot.sites[0]).toEqual({
      site: "berlin", health: "healthy", pv_watts: 1_234.5, battery_soc_percent: 55, grid_carbon_g_per_kwh: 321,
      load_rps: 12.5, latency_p95_ms: 25, pv_forecast_watts: [1_000, 1_001, 1_002],
    });
    expect(snapshot.services).toBeUndefined();
  });

  it("records the demand the plan read, observed or configured, with its forecast", async () => {
    const plan: PlannedTable = {
      ...planned([site("berlin", 0.5, 0)], []),
      demand: [
        { service: "shop.example.com", demandRps: 123.5, source: "observed", demandForecastRps: [120, 118.25] },
        { service: "search.example.com", demandRps: 300, source: "configured", demandForecastRps: [] },
      ],
    };
    const snapshot = snapshotOf(plan);
    expect(snapshot.services).toEqual([
      { key: "shop.example.com", demand_rps: 123.5, demand_source: "observed", demand_forecast_rps: [120, 118.25] },
      { key: "search.example.com", demand_rps: 300, demand_source: "configured", demand_forecast_rps: [] },
    ]);
    const storage = new PosixStorage(await tempDir());
    const table = new TableFeed(60_000, () => NOW * 1_000).prepare([]);
    await new LedgerRecorder(await open(storage)).record(table, plan);
    const [, snapshotRecord] = await readRecentRecords(storage, 2);
    expect(snapshotRecord).toEqual(snapshot);
  });

  it("records which planner made the table and why it stood in, and leaves the field out for a step made without one", async () => {
    const storage = new PosixStorage(await tempDir());
    const recorder = new LedgerRecorder(await open(storage));
    const feed = new TableFeed(60_000, () => NOW * 1_000);
    const fallback: PlannedTable = {
      ...planned([site("berlin", 0.5, 0)], []), planner: { name: "greedy", fallback: { reason: "time_budget", detail: "over 50 ms" } },
    };
    await recorder.record(feed.prepare([]), fallback);
    const [fellBack] = await readRecentRecords(storage, 1);
    expect(fellBack).toMatchObject({ kind: "table_published", planner: { name: "greedy", fallback_reason: "time_budget" } });

    await recorder.record(feed.prepare([]), { ...fallback, planner: { name: "predictive", fallback: null } });
    const [predictive] = await readRecentRecords(storage, 1);
    expect(predictive).toMatchObject({ kind: "table_published", planner: { name: "predictive", fallback_reason: null } });

    // A record as written before planners were recorded: no planner field at all, still valid.
    await recorder.record(feed.prepare([]), planned([site("berlin", 0.5, 0)], []));
    const [unnamed] = await readRecentRecords(storage, 1);
    expect(unnamed?.kind).toBe("table_published");
    expect(unnamed).not.toHaveProperty("planner");
    expect((await verifyLog(storage, { trusted, nowSeconds: NOW })).error).toBeUndefined();
  });

  it("stores a big mesh's snapshot and table in parts, in one checkpoint, and reads them back whole", async () => {
    const storage = new PosixStorage(await tempDir());
    const log = await open(storage);
    // 60 sites with a day of 5-minute forecasts, 400 services over 3 sites each: both records exceed one entry.
    const sites = Array.from({ length: 60 }, (_, i) => site(`site-${i}`, (i % 100) / 100, 288));
    const services: Service[] = Array.from({ length: 400 }, (_, i) => ({
      key: `service-${i}.example.com`,
      upstreams: [0, 1, 2].map((u) => ({ name: `site-${u}-upstream-name`, weight: 3_333 + u, canaryWeight: 0, draining: false })),
    }));
    const plan = planned(sites, services);
    const table = new TableFeed(60_000, () => NOW * 1_000).prepare(services);
    const recorded = await new LedgerRecorder(log).record(table, plan);

    expect(log.size).toBeGreaterThan(4); // more than one part for each of the two records
    expect(recorded.tableIndex).toBeGreaterThan(recorded.snapshotIndex + 1);
    const [tableRecord, snapshotRecord] = await readRecentRecords(storage, 2);
    expect(snapshotRecord).toEqual(snapshotOf(plan));
    expect(tableRecord).toMatchObject({
      kind: "table_published", table_version: table.version.toString(), table_sha256: sha256Hex(table.bytes),
      inputs_sha256: recordSha256(snapshotOf(plan)).value,
    });
    expect(tableRecord?.kind === "table_published" && tableRecord.services).toHaveLength(400);
    const verdict = await verifyLog(storage, { trusted, nowSeconds: NOW });
    expect(verdict.error).toBeUndefined();
    expect(verdict.value?.size).toBe(log.size);
  });
});
