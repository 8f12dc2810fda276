import { describe, expect, it } from "vitest";
import {
  MAX_TILE_LEVEL,
  TILE_WIDTH,
  type TileRef,
  changedTiles,
  encodeTileIndex,
  entriesPath,
  entryBundle,
  nodeTile,
  parseTilePath,
  tilePath,
  tileWidth,
  tilesForSize,
} from "../../../../controller/ledger/merkle/tile-path.js";
import { perfectNodes } from "../../../../controller/ledger/merkle/tree.js";
import { seeded } from "./support.js";

describe("index encoding", () => {
  const table: [number, string][] = [
    [0, "000"],
    [1, "001"],
    [9, "009"],
    [10, "010"],
    [999, "999"],
    [1000, "x001/000"],
    [1001, "x001/001"],
    [12_345, "x012/345"],
    [999_999, "x999/999"],
    [1_000_000, "x001/x000/000"],
    [1_234_067, "x001/x234/067"],
    [1_000_000_000, "x001/x000/x000/000"],
    [Number.MAX_SAFE_INTEGER, "x009/x007/x199/x254/x740/991"],
  ];
  for (const [index, text] of table) {
    it(`encodes ${index} as ${text}`, () => expect(encodeTileIndex(index)).toBe(text));
  }

  it("refuses indices no path can name", () => {
    for (const bad of [-1, 0.5, Number.NaN, 2 ** 53]) expect(() => encodeTileIndex(bad)).toThrow(RangeError);
  });
});

describe("paths", () => {
  const table: [TileRef, string][] = [
    [{ level: 0, index: 0, width: 256 }, "tile/0/000"],
    [{ level: 0, index: 0, width: 1 }, "tile/0/000.p/1"],
    [{ level: 0, index: 273, width: 112 }, "tile/0/273.p/112"],
    [{ level: 1, index: 1, width: 17 }, "tile/1/001.p/17"],
    [{ level: 2, index: 0, width: 1 }, "tile/2/000.p/1"],
    [{ level: 0, index: 1_234_067, width: 256 }, "tile/0/x001/x234/067"],
    [{ level: 3, index: 1_234_067, width: 255 }, "tile/3/x001/x234/067.p/255"],
    [{ level: 63, index: 5, width: 256 }, "tile/63/005"],
  ];
  for (const [tile, path] of table) {
    it(`writes ${path} and reads it back`, () => {
      expect(tilePath(tile)).toBe(path);
      expect(parseTilePath(path)).toEqual({ value: { kind: "tile", ...tile } });
    });
  }

  const bundles: [number, number, string][] = [
    [0, 256, "tile/entries/000"],
    [0, 7, "tile/entries/000.p/7"],
    [1_234_067, 256, "tile/entries/x001/x234/067"],
    [1000, 200, "tile/entries/x001/000.p/200"],
  ];
  for (const [index, width, path] of bundles) {
    it(`writes entry bundle ${path} and reads it back`, () => {
      expect(entriesPath(index, width)).toBe(path);
      expect(parseTilePath(path)).toEqual({ value: { kind: "entries", index, width } });
    });
  }

  it("defaults entry bundles to full width", () => expect(entriesPath(3)).toBe("tile/entries/003"));

  it("refuses widths outside 1..256 when writing", () => {
    for (const width of [0, 257, 1.5]) {
      expect(() => tilePath({ level: 0, index: 0, width })).toThrow(RangeError);
      expect(() => entriesPath(0, width)).toThrow(RangeError);
    }
  });

  it("reads back every level, width and a spread of indices", () => {
    const rand = seeded(256);
    for (let level = 0; level <= MAX_TILE_LEVEL; level += 7) {
      for (let width = 1; width <= TILE_WIDTH; width += 17) {
        const index = rand(2 ** 31) * rand(2 ** 20);
        expect(parseTilePath(tilePath({ level, index, width })).value).toEqual({ kind: "tile", level, index, width });
        expect(parseTilePath(entriesPath(index, width)).value).toEqual({ kind: "entries", index, width });
      }
    }
  });
});

describe("path parsing rejects", () => {
  const table: [string, string][] = [
    ["", 'expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"'],
    ["tile", 'expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"'],
    ["tile/0", 'expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"'],
    ["tiles/0/000", 'expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"'],
    ["/tile/0/000", 'expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"'],
    ["tile/00/000", 'tile level "00" is not a decimal 0..63 without leading zeros'],
    ["tile/01/000", 'tile level "01" is not a decimal 0..63 without leading zeros'],
    ["tile/64/000", 'tile level "64" is not a decimal 0..63 without leading zeros'],
    ["tile/100/000", 'tile level "100" is not a decimal 0..63 without leading zeros'],
    ["tile/-1/000", 'tile level "-1" is not a decimal 0..63 without leading zeros'],
    ["tile/x/000", 'tile level "x" is not a decimal 0..63 without leading zeros'],
    ["tile//000", 'tile level "" is not a decimal 0..63 without leading zeros'],
    ["tile/Entries/000", 'tile level "Entries" is not a decimal 0..63 without leading zeros'],
    ["tile/0/", "missing tile index"],
    ["tile/entries/", "missing tile index"],
    ["tile/0/1", 'index element "1" must be three digits'],
    ["tile/0/0001", 'index element "0001" must be three digits'],
    ["tile/0/abc", 'index element "abc" must be three digits'],
    ["tile/0/x001", 'index element "x001" must be three digits'],
    ["tile/0/001/000", 'index element "001" must be "x" and three digits'],
    ["tile/0/x1/000", 'index element "x1" must be "x" and three digits'],
    ["tile/0/X001/000", 'index element "X001" must be "x" and three digits'],
    ["tile/0/x001/000/", 'index element "000" must be "x" and three digits'],
    ["tile/0/x000/001", "index has a leading zero group"],
    ["tile/entries/x000/x001/000", "index has a leading zero group"],
    ["tile/0/x010/x000/x000/x000/x000/x000/000", "index 10000000000000000000 is too large"],
    ["tile/0/000.p", '".p" must be followed by "/<W>"'],
    ["tile/0/000.p/", 'partial width "" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/0", 'partial width "0" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/01", 'partial width "01" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/256", 'partial width "256" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/1000", 'partial width "1000" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/x", 'partial width "x" is not a decimal 1..255 without leading zeros'],
    ["tile/0/000.p/8/9", 'index element "000.p" must be "x" and three digits'],
    ["tile/0/x001.p/8", 'index element "x001" must be three digits'],
    ["tile/0/000.q/8", 'index element "000.q" must be "x" and three digits'],
    ["tile/entries/000.p/0", 'partial width "0" is not a decimal 1..255 without leading zeros'],
  ];
  for (const [path, why] of table) {
    it(`${JSON.stringify(path)}: ${why}`, () => {
      const parsed = parseTilePath(path);
      expect(parsed.value).toBeUndefined();
      expect(parsed.error?.field).toBe("path");
      expect(parsed.error?.message).toBe(`path: ${JSON.stringify(path)}: ${why}`);
    });
  }
});

describe("tiles of a tree", () => {
  it("for size 70,000: 273 full and one 112-wide level-0 tile, 1 full and one 17-wide level-1, one 1-wide level-2 (the spec's example)", () => {
    const tiles = tilesForSize(70_000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0)).toHaveLength(274);
    expect(at(0).filter((t) => t.width === TILE_WIDTH)).toHaveLength(273);
    expect(at(0).at(-1)).toEqual({ level: 0, index: 273, width: 112 });
    expect(at(1)).toEqual([{ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles).toHaveLength(277);
  });

  it("for size 256: one full level-0 tile and a 1-wide level-1 tile (the spec's example)", () => {
    expect(tilesForSize(256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
  });

  const full = (level: number, index: number): TileRef => ({ level, index, width: TILE_WIDTH });
  const small: [number, TileRef[]][] = [
    [0, []],
    [1, [{ level: 0, index: 0, width: 1 }]],
    [255, [{ level: 0, index: 0, width: 255 }]],
    [257, [full(0, 0), { level: 0, index: 1, width: 1 }, { level: 1, index: 0, width: 1 }]],
    [512, [full(0, 0), full(0, 1), { level: 1, index: 0, width: 2 }]],
    [65_536, [...Array.from({ length: 256 }, (_, index) => full(0, index)), full(1, 0), { level: 2, index: 0, width: 1 }]],
  ];
  for (const [size, tiles] of small) {
    it(`for size ${size}: ${tiles.length} tiles`, () => expect(tilesForSize(size)).toEqual(tiles));
  }

  it("gives each tile the width tileWidth reports, and every other tile width 0", () => {
    const rand = seeded(70_000);
    for (let i = 0; i < 100; i++) {
      const size = rand(2 ** 20);
      const tiles = tilesForSize(size);
      for (const t of tiles) expect(tileWidth(t.level, t.index, size)).toBe(t.width);
      const levels = new Set(tiles.map((t) => t.level));
      for (const level of [...levels, levels.size]) {
        const count = tiles.filter((t) => t.level === level).length;
        expect(tileWidth(level, count, size)).toBe(0);
      }
      // Only the last tile of a level may be partial.
      for (const level of levels) {
        const row = tiles.filter((t) => t.level === level);
        expect(row.slice(0, -1).every((t) => t.width === TILE_WIDTH)).toBe(true);
        expect(row.map((t) => t.index)).toEqual(row.map((_, k) => k));
      }
    }
  });

  it("for huge sizes: counts per level stay right without 32-bit overflow", () => {
    const size = 2 ** 40 + 5;
    expect(tileWidth(0, Math.floor(size / 256), size)).toBe(5);
    expect(tileWidth(3, 255, size)).toBe(256);
    expect(tileWidth(3, 256, size)).toBe(0);
    expect(tileWidth(4, 0, size)).toBe(256);
    expect(tileWidth(5, 0, size)).toBe(1);
    expect(tileWidth(6, 0, size)).toBe(0);
  });
});

describe("tiles changed by growing the tree", () => {
  it("are the tiles that are new or wider", () => {
    expect(changedTiles(10, 10)).toEqual([]);
    expect(changedTiles(10, 11)).toEqual([{ level: 0, index: 0, width: 11 }]);
    expect(changedTiles(255, 256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
    expect(changedTiles(256, 257)).toEqual([{ level: 0, index: 1, width: 1 }]);
    expect(changedTiles(300, 1000)).toEqual([
      { level: 0, index: 1, width: 256 },
      { level: 0, index: 2, width: 256 },
      { level: 0, index: 3, width: 232 },
      { level: 1, index: 0, width: 3 },
    ]);
  });

  it("match a brute-force diff of tilesForSize for random pairs", () => {
    const rand = seeded(1000);
    const key = (t: TileRef) => `${t.level}/${t.index}/${t.width}`;
    for (let i = 0; i < 300; i++) {
      const newer = rand(200_000);
      const older = rand(newer + 1);
      const before = new Set(tilesForSize(older).map(key));
      const want = tilesForSize(newer).filter((t) => !before.has(key(t)));
      expect(changedTiles(older, newer), `${older} to ${newer}`).toEqual(want);
    }
  });

  it("cost a few tiles for a small batch on a large log", () => {
    expect(changedTiles(1_000_000, 1_000_300)).toEqual([
      { level: 0, index: 3906, width: 256 },
      { level: 0, index: 3907, width: 108 },
      { level: 1, index: 15, width: 67 },
    ]);
  });
});

describe("nodes in tiles", () => {
  const table: [number, number, ReturnType<typeof nodeTile>][] = [
    [0, 0, { tileLevel: 0, tileIndex: 0, offset: 0, count: 1 }],
    [0, 255, { tileLevel: 0, tileIndex: 0, offset: 255, count: 1 }],
    [0, 256, { tileLevel: 0, tileIndex: 1, offset: 0, count: 1 }],
    [0, 1_234_067, { tileLevel: 0, tileIndex: 4820, offset: 147, count: 1 }],
    [1, 0, { tileLevel: 0, tileIndex: 0, offset: 0, count: 2 }],
    [1, 127, { tileLevel: 0, tileIndex: 0, offset: 254, count: 2 }],
    [1, 128, { tileLevel: 0, tileIndex: 1, offset: 0, count: 2 }],
    [3, 5, { tileLevel: 0, tileIndex: 0, offset: 40, count: 8 }],
    [7, 0, { tileLevel: 0, tileIndex: 0, offset: 0, count: 128 }],
    [7, 1, { tileLevel: 0, tileIndex: 0, offset: 128, count: 128 }],
    [7, 3, { tileLevel: 0, tileIndex: 1, offset: 128, count: 128 }],
    [8, 0, { tileLevel: 1, tileIndex: 0, offset: 0, count: 1 }],
    [8, 272, { tileLevel: 1, tileIndex: 1, offset: 16, count: 1 }],
    [12, 16, { tileLevel: 1, tileIndex: 1, offset: 0, count: 16 }],
    [15, 1, { tileLevel: 1, tileIndex: 0, offset: 128, count: 128 }],
    [16, 0, { tileLevel: 2, tileIndex: 0, offset: 0, count: 1 }],
    [40, 1, { tileLevel: 5, tileIndex: 0, offset: 1, count: 1 }],
  ];
  for (const [level, index, where] of table) {
    it(`node (${level}, ${index}) is ${where.count} hash(es) at tile ${where.tileLevel}/${where.tileIndex} offset ${where.offset}`, () => {
      expect(nodeTile(level, index)).toEqual(where);
    });
  }

  it("puts every perfect node of a tree inside a tile that exists at that size", () => {
    const rand = seeded(8);
    for (let i = 0; i < 300; i++) {
      const size = 1 + rand(2 ** 22);
      for (const node of perfectNodes(0, size)) {
        const at = nodeTile(node.level, node.index);
        const width = tileWidth(at.tileLevel, at.tileIndex, size);
        expect(at.offset + at.count, `node (${node.level}, ${node.index}) of ${size}`).toBeLessThanOrEqual(width);
        expect(at.offset % at.count).toBe(0);
      }
    }
  });

  it("finds each entry's bundle and position", () => {
    expect(entryBundle(0)).toEqual({ bundleIndex: 0, offset: 0 });
    expect(entryBundle(255)).toEqual({ bundleIndex: 0, offset: 255 });
    expect(entryBundle(256)).toEqual({ bundleIndex: 1, offset: 0 });
    expect(entryBundle(1_000_000)).toEqual({ bundleIndex: 3906, offset: 64 });
  });
});
