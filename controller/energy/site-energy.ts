// What the controller knows of each site's energy and health: the latest value of every field
// and a bounded PV history for the predictor. Readings are applied a whole batch at a time.
import type { Site } from "../config/load.js";
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

/** What one applied batch changed. */
export interface EnergyChange {
  readonly sites: readonly string[];
  /** Some site's health (healthy, unhealthy, draining) changed: proxies must hear of it now. */
  readonly healthChanged: boolean;
}

export const HISTORY_LIMIT = 2_016; // a week of 5-minute samples

export class SiteEnergy {
  private readonly states = new Map<string, SiteEnergyState>();
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

  /** Bumped by every applied batch; lets a planner tell whether anything changed. */
  get currentRevision(): number {
    return this.revision;
  }

  /** Applies an already validated batch. Older readings than a site's latest are ignored. */
  apply(readings: readonly EnergyReading[]): void {
    const sites = new Set<string>();
    let healthChanged = false;
    for (const r of readings) {
      const s = this.states.get(r.site);
      if (s === undefined) throw new Error(`unvalidated reading for unknown site ${r.site}`);
      if (s.updatedAtMs !== null && r.atMs < s.updatedAtMs) continue;
      s.updatedAtMs = r.atMs;
      if (r.pvWatts !== undefined) {
        s.pvWatts = r.pvWatts;
        s.pvHistory.push({ atMs: r.atMs, pvWatts: r.pvWatts });
        if (s.pvHistory.length > HISTORY_LIMIT) s.pvHistory.splice(0, s.pvHistory.length - HISTORY_LIMIT);
      }
      if (r.batterySocPercent !== undefined) s.batterySocPercent = r.batterySocPercent;
      if (r.batteryCapacityWh !== undefined) s.batteryCapacityWh = r.batteryCapacityWh;
      if (r.gridCarbon !== undefined) s.gridCarbon = r.gridCarbon;
      if (r.health !== undefined && r.health !== s.health) {
        s.health = r.health;
        healthChanged = true;
      }
      sites.add(r.site);
      if (r.forecast !== undefined) s.reportedForecast = r.forecast;
    }
    this.revision++;
    const change: EnergyChange = { sites: [...sites], healthChanged };
    for (const listener of this.listeners) listener(change);
  }

  get(site: string): Readonly<SiteEnergyState> | undefined {
    return this.states.get(site);
  }

  all(): ReadonlyArray<Readonly<SiteEnergyState>> {
    return [...this.states.values()];
  }

  /** Called after every applied batch; returns the unsubscribe function. */
  onChange(listener: (change: EnergyChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
