import { describe, expect, it } from "vitest";
import { PartialTracker } from "../../../../controller/ledger/log/partials.js";
import { TILE_WIDTH, changedTiles, type TileResource } from "../../../../controller/ledger/merkle/tile-path.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { entry, open, tempDir } from "./support.js";

/** What an integration from `older` to `newer` writes: its bundles and changed tiles. */
function written(older: number, newer: number): TileResource[] {
  const bundles: TileResource[] = [];
  for (let b = Math.floor(older / TILE_WIDTH); b * TILE_WIDTH < newer; b++) {
    bundles.push({ kind: "entries", index: b, width: Math.min(TILE_WIDTH, newer - b * TILE_WIDTH) });
  }
  return [...bundles, ...changedTiles(older, newer).map((t): TileResource => ({ kind: "tile", ...t }))];
}

/** Runs integrations through the sizes, deleting what the tracker says; returns what is left. */
function run(tracker: PartialTracker, sizes: readonly number[], msPerStep: number) {
  const deleted: string[][] = [];
  for (let i = 1; i < sizes.length; i++) {
    const out = tracker.integrated(sizes[i - 1]!, sizes[i]!, written(sizes[i - 1]!, sizes[i]!), i * msPerStep);
    tracker.removed(out);
    deleted.push(out.sort());
  }
  return deleted;
}

describe("PartialTracker", () => {
  it("keeps the current and the previous checkpoint's partials, and older ones for the grace period", () => {
    const tracker = new PartialTracker(250);
    // Integrations 100 ms apart: 0 → 3 → 5 → 8 → 9 → 12.
    const deleted = run(tracker, [0, 3, 5, 8, 9, 12], 100);
    // Width 3 was replaced at 200 ms: it goes at 500 ms, the first integration 250 ms later.
    expect(deleted).toEqual([[], [], [], [], ["tile/0/000.p/3", "tile/entries/000.p/3"]]);
    expect(tracker.tracked()).toEqual([
      "tile/0/000.p/12", "tile/0/000.p/5", "tile/0/000.p/8", "tile/0/000.p/9",
      "tile/entries/000.p/12", "tile/entries/000.p/5", "tile/entries/000.p/8", "tile/entries/000.p/9",
    ]);
  });

  it("deletes every other partial of a tile once the full one is stored, but not the previous checkpoint's", () => {
    const tracker = new PartialTracker(Number.MAX_SAFE_INTEGER);
    const deleted = run(tracker, [0, 100, 200, 256, 300, 301], 0);
    expect(deleted[2]).toEqual(["tile/0/000.p/100", "tile/entries/000.p/100"]);
    // 300 → 301: the previous checkpoint (300) named 000 full, so 000.p/200 can go.
    expect(deleted.flat()).toContain("tile/0/000.p/200");
    expect(tracker.tracked()).toEqual(["tile/0/001.p/44", "tile/0/001.p/45", "tile/1/000.p/1", "tile/entries/001.p/44", "tile/entries/001.p/45"]);
  });

  it("takes over the partials found when the log opens, and those a failed attempt wrote", () => {
    const tracker = new PartialTracker(1_000);
    tracker.seed(["checkpoint", "tile/0/000", "tile/0/001.p/3", "tile/0/001.p/7", "tile/0/000.p/9", "tile/entries/001.p/7", "tile/1/000.p/1"], 263, 0);
    // A failed attempt wrote width 9 of bundle 1; the retry wrote 12.
    tracker.attempted([{ kind: "entries", index: 1, width: 9 }], 10);
    const first = tracker.integrated(263, 268, written(263, 268), 20);
    // Tile 0/000 is full: its partial goes at once. The replaced ones wait out the grace period.
    expect(first).toEqual(["tile/0/000.p/9"]);
    tracker.removed(first);
    expect(tracker.integrated(268, 270, written(268, 270), 2_000).sort()).toEqual([
      "tile/0/001.p/3", "tile/0/001.p/7", "tile/entries/001.p/7", "tile/entries/001.p/9",
    ]);
  });
});

describe("disk use of a log that integrates a record at a time", () => {
  it("stays bounded: two partials per tile level and bundle, however many integrations", { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const storage = new PosixStorage(dir);
    const log = await open(storage, { partialGraceMs: 0 });
    const partials: number[] = [];
    for (let i = 0; i < 80; i++) {
      await log.append(entry(i), { urgent: true });
      await log.flush();
      partials.push((await storage.list()).filter((p) => p.includes(".p/")).length);
    }
    // Level 0 and the bundle each hold the current and the previous width; none piles up.
    expect(Math.max(...partials)).toBeLessThanOrEqual(4);
    expect(partials.at(-1)).toBe(4);
    expect((await storage.list()).filter((p) => p.includes(".p/"))).toEqual(["tile/0/000.p/79", "tile/0/000.p/80", "tile/entries/000.p/79", "tile/entries/000.p/80"]);
  });
});
