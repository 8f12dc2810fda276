import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../../controller/config/load.js";
import { MAX_CLOCK_SKEW_MS, parseReadings, type EnergyReading } from "../../../../controller/ingest/energy/reading.js";
import { HISTORY_LIMIT, SiteEnergy, type EnergyChange } from "../../../../controller/ingest/energy/site-energy.js";

const NOW = Date.UTC(2026, 5, 21, 12);
let energy: SiteEnergy;
let changes: EnergyChange[];

beforeEach(async () => {
  energy = new SiteEnergy((await loadConfig(undefined)).sites);
  changes = [];
  energy.onChange((change) => changes.push(change));
});

/** Parses as an API would at `nowMs`, then applies. */
function receive(nowMs: number, readings: object[]) {
  const parsed = parseReadings({ readings }, energy.siteNames, nowMs);
  if (parsed.error) throw parsed.error;
  return energy.apply(parsed.value);
}

describe("SiteEnergy.apply", () => {
  it("applies a batch and tells listeners which sites changed", () => {
    const result = energy.apply([
      { site: "sydney", atMs: NOW, pvWatts: 10 },
      { site: "berlin", atMs: NOW, pvWatts: 20, batterySocPercent: 40, gridCarbon: 300 },
    ]);
    expect(result).toEqual({ applied: 2, ignored: [] });
    expect(energy.get("berlin")).toMatchObject({ updatedAtMs: NOW, pvWatts: 20, batterySocPercent: 40, gridCarbon: 300, health: "healthy" });
    expect(energy.currentRevision).toBe(1);
    expect(changes).toEqual([{ sites: ["berlin", "sydney"], healthChanged: false }]);
  });

  it("reports a reading older than the site's latest, and changes nothing for it", () => {
    energy.apply([{ site: "berlin", atMs: NOW, pvWatts: 10, health: "unhealthy" }]);
    const result = energy.apply([{ site: "sydney", atMs: NOW - 5, pvWatts: 7 }, { site: "berlin", atMs: NOW - 1, pvWatts: 99 }]);
    expect(result).toEqual({ applied: 1, ignored: [{ index: 1, site: "berlin", reason: "older_than_latest" }] });
    expect(energy.get("berlin")).toMatchObject({ pvWatts: 10, health: "unhealthy", pvHistory: [{ atMs: NOW, pvWatts: 10 }] });
    expect(changes.map((c) => c.sites)).toEqual([["berlin"], ["sydney"]]);
  });

  it("reports a duplicate in a batch, and a resent latest reading, as duplicates", () => {
    const first = energy.apply([
      { site: "berlin", atMs: NOW, pvWatts: 1 },
      { site: "berlin", atMs: NOW, pvWatts: 2 },
    ]);
    expect(first).toEqual({ applied: 1, ignored: [{ index: 1, site: "berlin", reason: "duplicate" }] });
    expect(energy.get("berlin")?.pvWatts).toBe(1);
    const resent = energy.apply([{ site: "berlin", atMs: NOW, pvWatts: 1 }]);
    expect(resent).toEqual({ applied: 0, ignored: [{ index: 0, site: "berlin", reason: "duplicate" }] });
  });

  it("applies a batch per site in time order, so its newest reading wins whatever the order", () => {
    const result = energy.apply([
      { site: "berlin", atMs: NOW + 2, pvWatts: 3, health: "draining" },
      { site: "berlin", atMs: NOW, pvWatts: 1, health: "unhealthy" },
      { site: "berlin", atMs: NOW + 1, pvWatts: 2 },
    ]);
    expect(result).toEqual({ applied: 3, ignored: [] });
    expect(energy.get("berlin")).toMatchObject({
      updatedAtMs: NOW + 2, pvWatts: 3, health: "draining",
      pvHistory: [{ atMs: NOW, pvWatts: 1 }, { atMs: NOW + 1, pvWatts: 2 }, { atMs: NOW + 2, pvWatts: 3 }],
    });
  });

  it("does not bump the revision or call listeners when nothing was applied", () => {
    energy.apply([{ site: "berlin", atMs: NOW, pvWatts: 1 }]);
    energy.apply([{ site: "berlin", atMs: NOW - 1, pvWatts: 1 }]);
    expect(energy.currentRevision).toBe(1);
    expect(changes).toHaveLength(1);
  });

  it("says healthChanged only when a site's health value actually changed", () => {
    energy.apply([{ site: "berlin", atMs: NOW, health: "healthy" }]);
    energy.apply([{ site: "berlin", atMs: NOW + 1, health: "draining" }]);
    energy.apply([{ site: "berlin", atMs: NOW + 2, health: "draining", pvWatts: 5 }]);
    energy.apply([{ site: "sydney", atMs: NOW + 3, health: "unhealthy" }, { site: "sydney", atMs: NOW + 4, health: "healthy" }]);
    energy.apply([{ site: "sydney", atMs: NOW + 5, health: "unhealthy" }, { site: "berlin", atMs: NOW + 5, pvWatts: 1 }]);
    expect(changes).toEqual([
      { sites: ["berlin"], healthChanged: false },
      { sites: ["berlin"], healthChanged: true },
      { sites: ["berlin"], healthChanged: false },
      { sites: ["sydney"], healthChanged: false },
      { sites: ["berlin", "sydney"], healthChanged: true },
    ]);
  });

  it("refuses an unvalidated site before changing anything", () => {
    expect(() => energy.apply([{ site: "berlin", atMs: NOW, pvWatts: 1 }, { site: "paris", atMs: NOW }])).toThrow(/paris/);
    expect(energy.get("berlin")?.updatedAtMs).toBeNull();
    expect(energy.currentRevision).toBe(0);
  });

  it("keeps a bounded PV history", () => {
    const batch: EnergyReading[] = Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => ({ site: "berlin", atMs: NOW + i, pvWatts: i }));
    energy.apply(batch);
    const history = energy.get("berlin")!.pvHistory;
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]).toEqual({ atMs: NOW + 5, pvWatts: 5 });
  });
});

describe("readings stamped ahead of the controller's clock", () => {
  it("do not freeze a site: after a reading 4 minutes ahead, on-time readings keep applying", () => {
    expect(receive(NOW, [{ site: "berlin", timestamp: NOW + 4 * 60_000, pv_watts: 100 }])).toEqual({ applied: 1, ignored: [] });
    expect(energy.get("berlin")?.updatedAtMs).toBe(NOW);
    for (let s = 1; s <= 3; s++) {
      expect(receive(NOW + s * 1000, [{ site: "berlin", timestamp: NOW + s * 1000, pv_watts: 100 + s }]))
        .toEqual({ applied: 1, ignored: [] });
    }
    expect(energy.get("berlin")).toMatchObject({ updatedAtMs: NOW + 3000, pvWatts: 103 });
    expect(energy.get("berlin")?.pvHistory.map((h) => h.atMs)).toEqual([NOW, NOW + 1000, NOW + 2000, NOW + 3000]);
  });

  it("are applied in the order they were stamped when several clamp to the same time", () => {
    const result = receive(NOW, [
      { site: "berlin", timestamp: NOW + 2 * 60_000, pv_watts: 2 },
      { site: "berlin", timestamp: NOW + 60_000, pv_watts: 1 },
    ]);
    expect(result).toEqual({ applied: 2, ignored: [] });
    expect(energy.get("berlin")).toMatchObject({ updatedAtMs: NOW, pvWatts: 2, pvHistory: [{ atMs: NOW, pvWatts: 2 }] });
  });

  it("are duplicates when resent, though clamped to a later receive time", () => {
    receive(NOW, [{ site: "berlin", timestamp: NOW + MAX_CLOCK_SKEW_MS, pv_watts: 1 }]);
    const again = receive(NOW + 1000, [{ site: "berlin", timestamp: NOW + MAX_CLOCK_SKEW_MS, pv_watts: 1 }]);
    expect(again).toEqual({ applied: 0, ignored: [{ index: 0, site: "berlin", reason: "duplicate" }] });
  });
});
