import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { HASH_SIZE, toHex } from "../../../../controller/ledger/merkle/hash.js";
import { MemoryTree } from "../../../../controller/ledger/merkle/memory-tree.js";
import { consistencyProof, inclusionPlan, inclusionProof, planNodes } from "../../../../controller/ledger/merkle/proofs.js";
import { compactRangeFromTiles, tileNodeSource, tileRoot, tilesForNodes, type TileReader } from "../../../../controller/ledger/merkle/tile-hashes.js";
import { TILE_HEIGHT, TILE_WIDTH, tilePath, tilesForSize } from "../../../../controller/ledger/merkle/tile-path.js";
import { CompactRange } from "../../../../controller/ledger/merkle/tree.js";
import { leafHashes, seeded } from "./support.js";

const LEAVES = leafHashes(70_000);
const TREE = MemoryTree.of(LEAVES);

/** Tiles as a log of `size` leaves stores them, cut from the in-memory tree; fails on any read of a tile that size lacks. */
function storedTiles(size: number): { read: TileReader; reads: string[] } {
  const exists = new Set(tilesForSize(size).map(tilePath));
  const reads: string[] = [];
  const read: TileReader = (level, index, width) => {
    const path = tilePath({ level, index, width });
    expect(exists.has(path), `${path} read at size ${size}`).toBe(true);
    reads.push(path);
    const bytes = new Uint8Array(width * HASH_SIZE);
    for (let i = 0; i < width; i++) bytes.set(TREE.node(level * TILE_HEIGHT, index * TILE_WIDTH + i), i * HASH_SIZE);
    return bytes;
  };
  return { read, reads };
}

/** Every perfect node of a tree of `size` leaves, up to a cap per level. */
function someNodes(size: number, perLevel: number): { level: number; index: number }[] {
  const nodes = [];
  for (let level = 0; 2 ** level <= size; level++) {
    const count = Math.floor(size / 2 ** level);
    const step = Math.max(1, Math.floor(count / perLevel));
    for (let index = 0; index < count; index += step) nodes.push({ level, index });
    nodes.push({ level, index: count - 1 });
  }
  return nodes;
}

describe("node hashes from tiles", () => {
  it("equal the in-memory ones for every node of every size 1..600", () => {
    for (let size = 1; size <= 600; size++) {
      const source = tileNodeSource(storedTiles(size).read, size);
      const nodes = someNodes(size, Infinity);
      const label = (n: { level: number; index: number }, h: Uint8Array) => `(${n.level}, ${n.index}) ${toHex(h)}`;
      expect(nodes.map((n) => label(n, source(n.level, n.index))), `size ${size}`).toEqual(nodes.map((n) => label(n, TREE.node(n.level, n.index))));
    }
  });

  it("equal the in-memory ones for sampled nodes of sizes past the second and third tile levels", () => {
    const rand = seeded(65_536);
    const sizes = [65_535, 65_536, 65_537, 65_792, 70_000, ...Array.from({ length: 10 }, () => 1 + rand(70_000))];
    for (const size of sizes) {
      const source = tileNodeSource(storedTiles(size).read, size);
      for (const { level, index } of someNodes(size, 40)) {
        expect(toHex(source(level, index)), `node (${level}, ${index}) at ${size}`).toBe(toHex(TREE.node(level, index)));
      }
    }
  });

  it("read each tile once per source", () => {
    const { read, reads } = storedTiles(1000);
    const source = tileNodeSource(read, 1000);
    for (let i = 0; i < 256; i++) source(0, i);
    source(8, 0);
    source(7, 1);
    expect(reads).toEqual(["tile/0/000", "tile/1/000.p/3"]);
  });

  it("refuse nodes that are not complete at the size", () => {
    const source = tileNodeSource(storedTiles(300).read, 300);
    expect(() => source(0, 300)).toThrow(RangeError);
    expect(() => source(9, 0)).toThrow(RangeError);
    expect(() => source(2, 75)).toThrow(RangeError);
  });

  it("report a tile of the wrong length as damaged storage, naming the tile", () => {
    const short: TileReader = (level, index, width) => storedTiles(300).read(level, index, width).subarray(HASH_SIZE);
    const source = tileNodeSource(short, 300);
    expect(() => source(0, 0)).toThrow(expect.objectContaining({ code: Code.Internal, message: "tile/0/000 holds 8160 bytes, expected 8192" }));
    const root = tileRoot(short, 300);
    expect(root.error?.code).toBe(Code.Internal);
    expect(root.error?.message).toBe("tile/1/000.p/1 holds 0 bytes, expected 32");
  });
});

describe("roots from tiles", () => {
  it("equal the in-memory roots for every size 0..600 and sampled sizes to 70,000", () => {
    const rand = seeded(70);
    const sizes = [...Array.from({ length: 601 }, (_, i) => i), 65_536, 65_537, 70_000, ...Array.from({ length: 20 }, () => rand(70_001))];
    for (const size of sizes) {
      const root = tileRoot(storedTiles(size).read, size);
      expect(root.error).toBeUndefined();
      expect(toHex(root.value!), `size ${size}`).toBe(toHex(TREE.root(size)));
    }
  });

  it("read only the partial tiles and one full tile per level for a large tree", () => {
    const { read, reads } = storedTiles(70_000);
    tileRoot(read, 70_000);
    expect(reads.sort()).toEqual(["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]);
  });

  it("refuse a size that is not a count", () => {
    expect(tileRoot(storedTiles(1).read, -1).error?.field).toBe("size");
    expect(tileRoot(storedTiles(1).read, 1.5).error?.field).toBe("size");
  });
});

describe("resuming a log from its tiles", () => {
  it("gives the compact range a log had, so the next batch appends as if never stopped", () => {
    for (const size of [0, 1, 255, 256, 257, 4097, 65_536, 69_000]) {
      const restored = compactRangeFromTiles(storedTiles(size).read, size);
      expect(restored.error).toBeUndefined();
      const fresh = CompactRange.empty();
      fresh.appendAll(LEAVES.slice(0, size));
      expect(restored.value!.hashes().map(toHex)).toEqual(fresh.hashes().map(toHex));
      restored.value!.appendAll(LEAVES.slice(size, size + 1000));
      expect(toHex(restored.value!.root())).toBe(toHex(TREE.root(size + 1000)));
    }
  });
});

describe("proofs from tiles", () => {
  it("equal proofs from memory for sampled leaves and sizes", () => {
    const rand = seeded(9162);
    for (let i = 0; i < 150; i++) {
      const size = 1 + rand(70_000);
      const older = rand(size + 1);
      const index = rand(size);
      const source = tileNodeSource(storedTiles(size).read, size);
      expect(inclusionProof(index, size, source).value!.map(toHex)).toEqual(inclusionProof(index, size, TREE.node).value!.map(toHex));
      expect(consistencyProof(older, size, source).value!.map(toHex)).toEqual(consistencyProof(older, size, TREE.node).value!.map(toHex));
    }
  });

  it("need only the tiles tilesForNodes names, so storage can fetch them first", () => {
    const size = 70_000;
    const nodes = planNodes(inclusionPlan(1234, size).value!);
    const tiles = tilesForNodes(nodes, size).map(tilePath);
    // Leaf 1234 sits left of the 65,536 split: its siblings climb tiles 0/004 and 1/000, then the
    // right part [65,536, 70,000) comes from the two partial tiles.
    expect(tiles).toEqual(["tile/0/004", "tile/1/000", "tile/1/001.p/17", "tile/0/273.p/112"]);
    const { read, reads } = storedTiles(size);
    inclusionProof(1234, size, tileNodeSource(read, size));
    expect(reads.sort()).toEqual([...tiles].sort());
  });
});
