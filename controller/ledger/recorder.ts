// Puts what the controller decides into the ledger: for every table it publishes, the energy and
// load snapshot the plan was made from, then the table itself, linked to that snapshot and to the
// exact bytes proxies receive by SHA-256. Appends are asynchronous; a failure is logged and
// counted, never allowed to stop table delivery.
import type { PublishedTable } from "../delivery/table-feed.js";
import type { SiteEnergy } from "../energy/site-energy.js";
import type { Logger } from "../ops/logger.js";
import type { Observations } from "../reports/observations.js";
import type { Log } from "./log/append.js";
import { encodeRecord, sha256Hex } from "./records/codec.js";
import type { EnergySnapshot, LedgerRecord } from "./records/record.js";

/** Names the forecast model in records until a trained model is promoted. */
export const BASELINE_MODEL_ID = "baseline-1";

export interface RecordedTable {
  tableVersion: bigint;
  snapshotIndex: number;
  tableIndex: number;
}

export class LedgerRecorder {
  private failures = 0;

  constructor(
    private readonly log: Log,
    private readonly energy: SiteEnergy,
    private readonly observations: Observations,
    private readonly logger: Logger,
  ) {}

  get failed(): number {
    return this.failures;
  }

  /** Appends the snapshot and the table record; resolves once both are durable. */
  async recordTable(published: PublishedTable, nowMs: number): Promise<RecordedTable | null> {
    try {
      const snapshot = this.snapshot(nowMs);
      const snapshotBytes = encodeOrThrow(snapshot);
      const table: LedgerRecord = {
        kind: "table_published",
        v: 1,
        table_version: published.version.toString(),
        issued_at_ms: Number(published.issuedAtMs),
        ttl_ms: published.table.ttlMs,
        table_sha256: sha256Hex(published.bytes),
        inputs_sha256: sha256Hex(snapshotBytes),
        model: { id: BASELINE_MODEL_ID, sha256: null },
        services: published.table.services.map((s) => ({
          key: s.key,
          upstreams: s.upstreams.map((u) => ({ name: u.name, weight: u.weight, draining: u.draining })),
        })),
      };
      const [snapshotIndex, tableIndex] = await Promise.all([
        this.log.append(snapshotBytes),
        this.log.append(encodeOrThrow(table)),
      ]);
      return { tableVersion: published.version, snapshotIndex, tableIndex };
    } catch (error) {
      this.failures++;
      this.logger.error({ err: error, version: published.version.toString() }, "could not record table in the ledger");
      return null;
    }
  }

  private snapshot(nowMs: number): EnergySnapshot {
    return {
      kind: "energy_snapshot",
      v: 1,
      at_ms: nowMs,
      sites: this.energy.all().map((e) => {
        const observed = this.observations.site(e.site, nowMs);
        return {
          site: e.site,
          health: e.health,
          pv_watts: e.pvWatts,
          battery_soc_percent: e.batterySocPercent,
          grid_carbon_g_per_kwh: e.gridCarbon,
          load_rps: observed.loadRps,
          latency_p95_ms: observed.latencyP95Ms,
          pv_forecast_watts: e.reportedForecast.map((p) => p.pvWatts),
        };
      }),
    };
  }
}

function encodeOrThrow(record: LedgerRecord): Uint8Array {
  const encoded = encodeRecord(record);
  if (encoded.error) throw encoded.error;
  return encoded.value;
}
