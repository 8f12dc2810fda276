// What the controller knows of each site's energy and health: the latest value of every field
// and a bounded PV history for the predictor. A batch is applied per site in timestamp order;
// a reading that cannot be applied is reported back with its reason, never dropped silently.
import type { Site } from "../../config/load.js";
import type { EnergyReading, ForecastPoint, SiteHealth } from "./reading.js";

export interface PvSample {
  atMs: number;
  pvWatts: number;
}

export interface SiteEnergyState {
  site: string;
  updatedAtMs: number | null;
  pvWatts: number;
  batterySocPercent: number;
  batteryCapacityWh: number;
  gridCarbon: number;
  health: SiteHealth;
  /** Oldest first, at most HISTORY_LIMIT samples. */
  pvHistory: PvSample[];
  /** Forecast reported by the site itself, if any. */
  reportedForecast: ForecastPoint[];
}

/**
 * Why a reading was not applied: its time is before the site's latest reading's, or it has the
 * same site and timestamp as one already applied (earlier in the batch, or the latest).
 */
export type IgnoreReason = "older_than_latest" | "duplicate";

export interface IgnoredReading {
  /** Position in the batch given to apply. */
  readonly index: number;
  readonly site: string;
  readonly reason: IgnoreReason;
}

export interface ApplyResult {
  /** Readings that updated their site. */
  readonly applied: number;
  /** The others, in batch order. */
  readonly ignored: readonly IgnoredReading[];
}

/** What one applied batch changed; listeners hear of batches that applied at least one reading. */
export interface EnergyChange {
  /** Sites with at least one applied reading, in configuration order. */
  readonly sites: readonly string[];
  /** Some site's health (healthy / unhealthy / draining) differs from before the batch. */
  readonly healthChanged: boolean;
}

export const HISTORY_LIMIT = 2_016; // a week of 5-minute samples

export class SiteEnergy {
  private readonly states = new Map<string, SiteEnergyState>();
  /** Per site, the timestamp of the latest applied reading as sent (tells retries apart). */
  private readonly latestSent = new Map<string, number>();
  private readonly listeners = new Set<(change: EnergyChange) => void>();
  private revision = 0;

  constructor(sites: readonly Site[]) {
    for (const s of sites) {
      this.states.set(s.name, {
        site: s.name,
        updatedAtMs: null,
        pvWatts: 0,
        batterySocPercent: 0,
        batteryCapacityWh: s.batteryWh,
        gridCarbon: s.gridCarbon,
        health: "healthy",
        pvHistory: [],
        reportedForecast: [],
      });
    }
  }

  get siteNames(): ReadonlySet<string> {
    return new Set(this.states.keys());
  }

  /** Bumped by every batch that applied a reading; lets a planner tell whether anything changed. */
  get currentRevision(): number {
    return this.revision;
  }

  /**
   * Applies an already validated batch. Per site, readings are applied in time order (atMs, then
   * the time as sent, then batch order), so the latest one wins whatever order the batch lists
   * them in; only readings older than the site's state before the batch, or duplicates, are left.
   */
  apply(readings: readonly EnergyReading[]): ApplyResult {
    for (const r of readings) {
      if (!this.states.has(r.site)) throw new Error(`unvalidated reading for unknown site ${r.site}`);
    }
    const healthBefore = new Map([...this.states].map(([name, s]) => [name, s.health]));
    const order = readings.map((reading, index) => ({ reading, index }))
      .sort((a, b) => a.reading.atMs - b.reading.atMs || sentAt(a.reading) - sentAt(b.reading));
    const ignored: IgnoredReading[] = [];
    const touched = new Set<string>();
    for (const { reading, index } of order) {
      const reason = this.check(reading);
      if (reason !== null) {
        ignored.push({ index, site: reading.site, reason });
        continue;
      }
      this.update(this.states.get(reading.site)!, reading);
      touched.add(reading.site);
    }
    ignored.sort((a, b) => a.index - b.index);
    const applied = readings.length - ignored.length;
    if (applied > 0) {
      this.revision++;
      const change: EnergyChange = {
        sites: [...this.states.keys()].filter((name) => touched.has(name)),
        healthChanged: [...this.states].some(([name, s]) => s.health !== healthBefore.get(name)),
      };
      for (const listener of this.listeners) listener(change);
    }
    return { applied, ignored };
  }

  get(site: string): Readonly<SiteEnergyState> | undefined {
    return this.states.get(site);
  }

  all(): ReadonlyArray<Readonly<SiteEnergyState>> {
    return [...this.states.values()];
  }

  /** Called after every batch that applied a reading; returns the unsubscribe function. */
  onChange(listener: (change: EnergyChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private check(r: EnergyReading): IgnoreReason | null {
    if (this.latestSent.get(r.site) === sentAt(r)) return "duplicate";
    const latest = this.states.get(r.site)!.updatedAtMs;
    if (latest !== null && r.atMs < latest) return "older_than_latest";
    return null;
  }

  private update(s: SiteEnergyState, r: EnergyReading): void {
    this.latestSent.set(r.site, sentAt(r));
    s.updatedAtMs = r.atMs;
    if (r.pvWatts !== undefined) {
      // Two readings clamped to the same receive time: the later one replaces the sample.
      if (s.pvHistory.at(-1)?.atMs === r.atMs) s.pvHistory.pop();
      s.pvWatts = r.pvWatts;
      s.pvHistory.push({ atMs: r.atMs, pvWatts: r.pvWatts });
      if (s.pvHistory.length > HISTORY_LIMIT) s.pvHistory.splice(0, s.pvHistory.length - HISTORY_LIMIT);
    }
    if (r.batterySocPercent !== undefined) s.batterySocPercent = r.batterySocPercent;
    if (r.batteryCapacityWh !== undefined) s.batteryCapacityWh = r.batteryCapacityWh;
    if (r.gridCarbon !== undefined) s.gridCarbon = r.gridCarbon;
    if (r.health !== undefined) s.health = r.health;
    if (r.forecast !== undefined) s.reportedForecast = r.forecast;
  }
}

function sentAt(r: EnergyReading): number {
  return r.sentAtMs ?? r.atMs;
}
