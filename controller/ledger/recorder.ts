// Puts what the controller decides into the ledger: for every table it is about to serve, the
// site states the plan was made from, then the table itself, linked to that snapshot and to the
// exact bytes proxies will receive by SHA-256. `record` resolves once both are durable; the plan
// loop serves the table only then, so every table a proxy ever received is in the log.
import type { PublishedTable } from "../delivery/table-feed.js";
import type { PlannedTable } from "../plan/plan-step.js";
import type { Log } from "./log/append.js";
import type { Parsed } from "../errors/controller-error.js";
import { encodeRecordEntries, recordSha256, sha256Hex } from "./records/codec.js";
import type { EnergySnapshot, LedgerRecord } from "./records/record.js";

export interface RecordedTable {
  readonly tableVersion: bigint;
  readonly snapshotIndex: number;
  readonly tableIndex: number;
}

export class LedgerRecorder {
  constructor(private readonly log: Log) {}

  /**
   * Appends the snapshot and the table record as one group (records too large for one entry go in
   * parts); resolves once they are durable, rejects otherwise.
   */
  async record(table: PublishedTable, planned: PlannedTable): Promise<RecordedTable> {
    const snapshot = snapshotOf(planned);
    const snapshotEntries = orThrow(encodeRecordEntries(snapshot));
    const record: LedgerRecord = {
      kind: "table_published",
      v: 1,
      table_version: table.version.toString(),
      issued_at_ms: Number(table.issuedAtMs),
      ttl_ms: table.table.ttlMs,
      table_sha256: sha256Hex(table.bytes),
      inputs_sha256: orThrow(recordSha256(snapshot)),
      model: { id: planned.model.id, sha256: planned.model.sha256 },
      ...(planned.planner === undefined ? {} : {
        planner: { name: planned.planner.name, fallback_reason: planned.planner.fallback?.reason ?? null },
      }),
      services: table.table.services.map((s) => ({
        key: s.key,
        upstreams: s.upstreams.map((u) => ({ name: u.name, weight: u.weight, draining: u.draining })),
      })),
    };
    const tableEntries = orThrow(encodeRecordEntries(record));
    // One integration, started now rather than after the batch age: the table waits for it.
    const snapshotIndex = await this.log.appendAll([...snapshotEntries, ...tableEntries], { urgent: true });
    return { tableVersion: table.version, snapshotIndex, tableIndex: snapshotIndex + snapshotEntries.length };
  }
}

/** The planner's inputs as the ledger keeps them: per site and per service, what the plan was made from. */
export function snapshotOf(planned: PlannedTable): EnergySnapshot {
  return {
    kind: "energy_snapshot",
    v: 1,
    at_ms: planned.nowMs,
    sites: planned.sites.map((s) => ({
      site: s.site,
      health: s.health,
      pv_watts: s.pvNowWatts,
      battery_soc_percent: percent(s.batterySoc),
      grid_carbon_g_per_kwh: s.gridCarbonGPerKwh,
      load_rps: s.loadRps,
      latency_p95_ms: s.latencyP95Ms,
      pv_forecast_watts: [...s.pvForecastWatts],
    })),
    ...(planned.demand === undefined ? {} : {
      services: planned.demand.map((d) => ({
        key: d.service,
        demand_rps: d.demandRps,
        demand_source: d.source,
        demand_forecast_rps: [...d.demandForecastRps],
      })),
    }),
  };
}

/** The planner's 0..1 fraction back as the percent it was read as: 0.55 → 55, not 55.00000000000001. */
function percent(fraction: number): number {
  return Math.round(fraction * 100 * 1e9) / 1e9;
}

function orThrow<T>(parsed: Parsed<T>): T {
  if (parsed.error) throw parsed.error;
  return parsed.value;
}
