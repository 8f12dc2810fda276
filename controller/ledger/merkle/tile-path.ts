// The C2SP tlog-tiles layout (c2sp.org/tlog-tiles): where each stored hash and entry lives. A tile
// at level L holds up to 256 consecutive hashes of tree level 8·L; the 8 tree levels between two
// tile levels are recomputed from those hashes, never stored. Pure: no I/O, no hashing.

import { ControllerError, type Parsed } from "../../errors/controller-error.js";

/** Tree levels spanned by one tile level. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile (2^TILE_HEIGHT); entries in a full bundle. */
export const TILE_WIDTH = 256;
/** The spec's bound on <L> in tile paths. */
export const MAX_TILE_LEVEL = 63;

/** A tile as stored for some tree size: width 1..255 is partial, TILE_WIDTH is full. */
export interface TileRef {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

export type TileResource = ({ readonly kind: "tile" } & TileRef) | { readonly kind: "entries"; readonly index: number; readonly width: number };

/** Where a perfect node's hash comes from: `count` hashes at `offset` in a tile, folded pairwise. */
export interface NodeTileLocation {
  readonly tileLevel: number;
  readonly tileIndex: number;
  readonly offset: number;
  /** 2^(level mod 8): 1 when the node is stored as it is. */
  readonly count: number;
}

/** `x001/x234/067` for 1234067: groups of three digits so no directory holds over 1000 names. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`tile index must be a non-negative safe integer, got ${index}`);
  let rest = Math.floor(index / 1000);
  let out = pad3(index % 1000);
  while (rest > 0) {
    out = `x${pad3(rest % 1000)}/${out}`;
    rest = Math.floor(rest / 1000);
  }
  return out;
}

export function tilePath(tile: TileRef): string {
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

export function entriesPath(index: number, width: number = TILE_WIDTH): string {
  return `tile/entries/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** Reads a tile or entry bundle path back; only the canonical spelling is accepted. */
export function parseTilePath(path: string): Parsed<TileResource> {
  const fail = (message: string): Parsed<TileResource> => ({ error: ControllerError.invalid("path", `${JSON.stringify(path)}: ${message}`) });
  const parts = path.split("/");
  if (parts[0] !== "tile" || parts.length < 3) return fail('expected "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"');
  const head = parts[1] as string;
  let level: number | undefined;
  if (head !== "entries") {
    if (!/^(0|[1-9][0-9]?)$/.test(head) || Number(head) > MAX_TILE_LEVEL) {
      return fail(`tile level ${JSON.stringify(head)} is not a decimal 0..${MAX_TILE_LEVEL} without leading zeros`);
    }
    level = Number(head);
  }
  let groups = parts.slice(2);
  let width = TILE_WIDTH;
  const beforeLast = groups[groups.length - 2];
  if (beforeLast?.endsWith(".p")) {
    const w = groups[groups.length - 1] as string;
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) >= TILE_WIDTH) return fail(`partial width ${JSON.stringify(w)} is not a decimal 1..255 without leading zeros`);
    width = Number(w);
    groups = [...groups.slice(0, -2), beforeLast.slice(0, -2)];
  } else if (groups[groups.length - 1]?.endsWith(".p")) {
    return fail('".p" must be followed by "/<W>"');
  }
  const index = parseIndex(groups);
  if (typeof index === "string") return fail(index);
  return { value: level === undefined ? { kind: "entries", index, width } : { kind: "tile", level, index, width } };
}

/** Width of tile (level, index) in a tree of `size` leaves: 0 when it does not exist yet. */
export function tileWidth(level: number, index: number, size: number): number {
  const available = Math.floor(size / TILE_WIDTH ** level) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, available));
}

/** Every tile, full or partial, that a tree of `size` leaves has, by level then index. */
export function tilesForSize(size: number): TileRef[] {
  return changedTiles(0, size);
}

/** Tiles that are new or wider at `newer` than at `older`: what integrating a batch writes. */
export function changedTiles(older: number, newer: number): TileRef[] {
  const tiles: TileRef[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const before = Math.floor(older / TILE_WIDTH ** level);
    const after = Math.floor(newer / TILE_WIDTH ** level);
    // Hash counts only grow toward the root, so an unchanged level means all above are unchanged.
    if (after <= before) break;
    for (let index = Math.floor(before / TILE_WIDTH); index * TILE_WIDTH < after; index++) {
      tiles.push({ level, index, width: tileWidth(level, index, newer) });
    }
  }
  return tiles;
}

/** Which tile holds (or holds the parts of) perfect node (level, index). */
export function nodeTile(level: number, index: number): NodeTileLocation {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level % TILE_HEIGHT);
  const first = index * count;
  return { tileLevel, tileIndex: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/** The bundle holding entry `index`, and its position there. */
export function entryBundle(index: number): { readonly bundleIndex: number; readonly offset: number } {
  return { bundleIndex: Math.floor(index / TILE_WIDTH), offset: index % TILE_WIDTH };
}

function parseIndex(groups: readonly string[]): number | string {
  if (groups.length === 0 || groups[0] === "") return "missing tile index";
  for (const [i, g] of groups.entries()) {
    const last = i === groups.length - 1;
    if (last ? !/^[0-9]{3}$/.test(g) : !/^x[0-9]{3}$/.test(g)) {
      return `index element ${JSON.stringify(g)} must be ${last ? "three digits" : '"x" and three digits'}`;
    }
  }
  if (groups.length > 1 && groups[0] === "x000") return "index has a leading zero group";
  const value = BigInt(groups.map((g) => g.replace("x", "")).join(""));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return `index ${value} is too large`;
  return Number(value);
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError(`tile width must be 1..${TILE_WIDTH}, got ${width}`);
  return width === TILE_WIDTH ? "" : `.p/${width}`;
}

function pad3(n: number): string {
  return String(n).padStart(3, "0");
}
