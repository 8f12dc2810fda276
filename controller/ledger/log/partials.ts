// Which partial tiles and bundles can go. Every integration writes the rightmost tile of each
// level and the rightmost bundle anew, wider, beside the old ones (a partial file is never edited),
// so without cleanup an idle log that integrates a few records at a time piles up copies of the
// same hashes and entries. c2sp.org/tlog-tiles lets a log delete a partial tile once the full tile
// exists (clients fall back to it), and requires partials for sizes it published a checkpoint for.
// The rule here, applied after each integration from size M to N:
//
//   - the partials that the checkpoints at N and at M name are always kept, so a reader that has
//     just fetched the previous checkpoint finds everything it names;
//   - any other partial is deleted once the full tile or bundle exists, or once a wider partial has
//     replaced it for at least graceMs (so readers of older checkpoints have that long).
//
// Disk use is then bounded by the integrations of one grace period, whatever the log's age. For a
// tile that is not full yet this is less than the spec's "serve the partials of every published
// checkpoint": keeping those would hold up to 255 copies of each edge tile and bundle (about 128
// times a full bundle), which is what filled disks. A reader holding a checkpoint older than the
// grace period may get 404 for a partial; the current checkpoint's tiles carry the same hashes as
// a prefix. A grace of Number.MAX_SAFE_INTEGER keeps to the spec's letter.
// Pure: it tracks paths and times and decides; the log does the deleting.
import { TILE_WIDTH, entriesPath, parseTilePath, tilePath, tileWidth, type TileResource } from "../merkle/tile-path.js";

interface Tracked {
  readonly resource: TileResource;
  /** Monotonic ms at which a wider copy became current; undefined while this one is current. */
  supersededAt: number | undefined;
}

export class PartialTracker {
  /** By "tile/<L>/<N>" or "entries/<N>", then width. */
  private readonly byKey = new Map<string, Map<number, Tracked>>();

  constructor(private readonly graceMs: number) {}

  /** Partials already stored when the log opened at `size`; narrower ones count as replaced now. */
  seed(paths: readonly string[], size: number, nowMs: number): void {
    for (const path of paths) {
      const parsed = parseTilePath(path);
      if (parsed.error || parsed.value.width === TILE_WIDTH) continue;
      const r = parsed.value;
      this.track(r, r.width === widthAt(r, size) ? undefined : nowMs);
    }
  }

  /**
   * Notes the partials an integration from `older` to `newer` entries wrote, and returns the paths
   * that may be deleted now.
   */
  integrated(older: number, newer: number, written: readonly TileResource[], nowMs: number): string[] {
    for (const r of written) {
      if (r.width === TILE_WIDTH) continue;
      for (const t of this.byKey.get(keyOf(r))?.values() ?? []) t.supersededAt ??= nowMs;
      this.track(r, undefined);
    }
    const out: string[] = [];
    for (const widths of this.byKey.values()) {
      for (const t of widths.values()) {
        const current = widthAt(t.resource, newer);
        if (t.resource.width === current || t.resource.width === widthAt(t.resource, older)) continue;
        // A tile that grew past this width without this log writing it here (it was seeded) also counts as replaced.
        t.supersededAt ??= nowMs;
        if (current === TILE_WIDTH || nowMs - t.supersededAt >= this.graceMs) out.push(pathOf(t.resource));
      }
    }
    return out;
  }

  /** Partials a failed attempt may have written: replaced as of now, unless already tracked. */
  attempted(written: readonly TileResource[], nowMs: number): void {
    for (const r of written) {
      if (r.width !== TILE_WIDTH && !this.byKey.get(keyOf(r))?.has(r.width)) this.track(r, nowMs);
    }
  }

  /** The paths were deleted; they are no longer tracked. */
  removed(paths: readonly string[]): void {
    for (const path of paths) {
      const parsed = parseTilePath(path);
      if (parsed.error) continue;
      const key = keyOf(parsed.value);
      const widths = this.byKey.get(key);
      widths?.delete(parsed.value.width);
      if (widths?.size === 0) this.byKey.delete(key);
    }
  }

  /** Tracked partial paths, sorted: what the log believes is on disk besides full tiles. */
  tracked(): string[] {
    return [...this.byKey.values()].flatMap((w) => [...w.values()].map((t) => pathOf(t.resource))).sort();
  }

  private track(resource: TileResource, supersededAt: number | undefined): void {
    const key = keyOf(resource);
    let widths = this.byKey.get(key);
    if (!widths) this.byKey.set(key, (widths = new Map()));
    const existing = widths.get(resource.width);
    if (existing) existing.supersededAt = supersededAt;
    else widths.set(resource.width, { resource, supersededAt });
  }
}

function keyOf(r: TileResource): string {
  return r.kind === "tile" ? `tile/${r.level}/${r.index}` : `entries/${r.index}`;
}

function widthAt(r: TileResource, size: number): number {
  return tileWidth(r.kind === "tile" ? r.level : 0, r.index, size);
}

function pathOf(r: TileResource): string {
  return r.kind === "tile" ? tilePath(r) : entriesPath(r.index, r.width);
}
