// Offline audit of a whole log. Every entry is decoded (chunked records put back together and
// checked whole) and hashed, the tree is rebuilt from those leaf hashes alone, and every stored
// tile is compared with the rebuilt one. Blame follows the signed root: if the entries rebuild it,
// a differing tile is at fault; if not, the entries are, and the first level-0 tile that disagrees
// points at the bundle and entry. Streams bundle by bundle (one read ahead), so memory stays at a
// few tiles (and one chunked record) whatever the log's size.
import { verifyCheckpoint, type TrustedLog } from "../checkpoint/verify.js";
import { HASH_SIZE, emptyRoot, hashLeaf, hashesEqual } from "../merkle/hash.js";
import { TILE_HEIGHT, TILE_WIDTH, entriesPath, parseTilePath, tilePath, tileWidth, tilesForSize } from "../merkle/tile-path.js";
import { CompactRange } from "../merkle/tree.js";
import { parseBundle } from "../log/bundle.js";
import { ChunkAssembler } from "../records/assemble.js";
import { decodeEntry } from "../records/codec.js";
import type { LogReader } from "./log-reader.js";

export const CHECKPOINT_FILE = "checkpoint";
/** What failures in the caller's older checkpoint are filed under: it is not a file of the log. */
export const OLDER_CHECKPOINT_FILE = "older checkpoint";

export interface VerifyLogOptions {
  readonly trusted: TrustedLog;
  /** A signed note the log must extend (a checkpoint seen earlier). */
  readonly olderCheckpoint?: string | Uint8Array;
  readonly nowSeconds: number;
}

export interface LogFailure {
  /** tlog-tiles path of the file at fault, or OLDER_CHECKPOINT_FILE. */
  readonly file: string;
  readonly index?: number;
  readonly message: string;
}

export interface VerifiedLog {
  readonly size: number;
  readonly root: Uint8Array;
  /** Records by kind; a record stored in record_chunk parts counts once, under its own kind. */
  readonly records: Readonly<Record<string, number>>;
}

export type LogVerdict = { readonly value: VerifiedLog; readonly error?: undefined } | { readonly error: LogFailure; readonly value?: undefined };

interface Head {
  readonly size: number;
  readonly root: Uint8Array;
}

type Read = { readonly bytes?: Uint8Array; readonly failure?: LogFailure };

export async function verifyLog(source: LogReader, options: VerifyLogOptions): Promise<LogVerdict> {
  const note = await safeRead(CHECKPOINT_FILE, () => source.readCheckpoint());
  if (note.failure) return { error: note.failure };
  if (!note.bytes) return fail(CHECKPOINT_FILE, "missing");
  const head = openHead(note.bytes, options, CHECKPOINT_FILE);
  if ("error" in head) return head;
  let older: Head | undefined;
  if (options.olderCheckpoint !== undefined) {
    const o = openHead(options.olderCheckpoint, options, OLDER_CHECKPOINT_FILE);
    if ("error" in o) return o;
    if (o.size > head.size) return fail(OLDER_CHECKPOINT_FILE, `size ${o.size} is larger than the log's ${head.size}`);
    older = o;
  }
  let listed: string[] = [];
  if (source.list) {
    try {
      listed = await source.list();
    } catch (e) {
      return fail(".", `cannot list: ${(e as Error).message}`);
    }
  }
  return new Walk(source, head, older, staleWidths(listed, head.size), await readEdge(source, head.size)).run();
}

/**
 * The checkpoint's partial tiles and bundle, read up front: a live log deletes partials some time
 * after they are replaced, and a long audit would otherwise reach them last.
 */
async function readEdge(source: LogReader, size: number): Promise<Map<string, Read>> {
  const edge = new Map<string, Read>();
  const reads = tilesForSize(size).filter((t) => t.width < TILE_WIDTH).map(async (t) => {
    const file = tilePath(t);
    edge.set(file, await safeRead(file, () => source.readTile(t.level, t.index, t.width)));
  });
  const width = size % TILE_WIDTH;
  if (width > 0) {
    const index = Math.floor(size / TILE_WIDTH);
    const file = entriesPath(index, width);
    reads.push(safeRead(file, () => source.readEntryBundle(index, width)).then((read) => void edge.set(file, read)));
  }
  await Promise.all(reads);
  return edge;
}

/**
 * One pass over the log. Tiles being rebuilt are kept per tile level as one buffer; a completed
 * tile is queued and compared after the bundle that completed it.
 */
class Walk {
  private readonly range = CompactRange.empty();
  private readonly rows: { index: number; count: number; bytes: Uint8Array }[] = [];
  private readonly done: { level: number; index: number; bytes: Uint8Array }[] = [];
  private readonly records: Record<string, number> = {};
  private readonly chunks = new ChunkAssembler();
  private olderRoot: Uint8Array | undefined;
  /** First stored tile or stale partial that differs from the rebuilt tree. */
  private mismatch: LogFailure | undefined;
  /** First level-0 tile that differs: names the bundle and entry if the root does not match. */
  private leafMismatch: LogFailure | undefined;

  constructor(
    private readonly source: LogReader,
    private readonly head: Head,
    private readonly older: Head | undefined,
    private readonly stale: ReadonlyMap<string, number[]>,
    private readonly edge: ReadonlyMap<string, Read>,
  ) {
    if (older?.size === 0) this.olderRoot = emptyRoot();
  }

  async run(): Promise<LogVerdict> {
    const bundles = Math.ceil(this.head.size / TILE_WIDTH);
    let next = bundles > 0 ? this.prefetch(0) : undefined;
    for (let b = 0; b < bundles; b++) {
      const current = await (next as Promise<[Read, Read]>);
      next = b + 1 < bundles ? this.prefetch(b + 1) : undefined;
      const failure = await this.bundle(b, current[0], current[1]);
      if (failure) {
        await next; // settle the read ahead before returning
        return { error: failure };
      }
    }
    for (const [level, row] of this.rows.entries()) {
      if (row.count > 0) this.done.push({ level, index: row.index, bytes: row.bytes.slice(0, row.count * HASH_SIZE) });
    }
    const failure = await this.compareDone(new Map());
    if (failure) return { error: failure };
    const unfinished = this.chunks.end();
    if (unfinished) {
      const last = bundles - 1;
      return { error: { file: entriesPath(last, tileWidth(0, last, this.head.size)), index: this.head.size - 1, message: unfinished.message } };
    }

    const root = this.range.root();
    if (!hashesEqual(root, this.head.root)) {
      return { error: this.leafMismatch ?? { file: CHECKPOINT_FILE, message: `root hash does not match the root of the ${this.head.size} stored entries` } };
    }
    if (this.mismatch) return { error: this.mismatch };
    if (this.older && !hashesEqual(this.olderRoot as Uint8Array, this.older.root)) {
      return fail(OLDER_CHECKPOINT_FILE, `the log at size ${this.older.size} has a different root: it does not extend this checkpoint`);
    }
    return { value: { size: this.head.size, root, records: { ...this.records } } };
  }

  private prefetch(b: number): Promise<[Read, Read]> {
    const width = tileWidth(0, b, this.head.size);
    const bundle = entriesPath(b, width);
    const tile = tilePath({ level: 0, index: b, width });
    return Promise.all([
      this.edge.get(bundle) ?? safeRead(bundle, () => this.source.readEntryBundle(b, width)),
      this.edge.get(tile) ?? safeRead(tile, () => this.source.readTile(0, b, width)),
    ]);
  }

  private async bundle(b: number, read: Read, leafTile: Read): Promise<LogFailure | undefined> {
    const width = tileWidth(0, b, this.head.size);
    const file = entriesPath(b, width);
    if (read.failure) return read.failure;
    if (!read.bytes) return { file, message: "missing" };
    const parsed = parseBundle(read.bytes, width);
    if (parsed.error) return { file, message: parsed.error.message };
    const ends: number[] = [];
    let at = 0;
    for (const [i, entry] of parsed.value.entries()) {
      const index = b * TILE_WIDTH + i;
      const decoded = decodeEntry(entry);
      if (decoded.error) return { file, index, message: decoded.error.message };
      const record = this.chunks.push(decoded.value, index);
      if (record.error) return { file, index, message: record.error.message };
      if (record.value) this.records[record.value.record.kind] = (this.records[record.value.record.kind] ?? 0) + 1;
      this.range.append(hashLeaf(entry), (level, nodeIndex, hash) => this.visit(level, nodeIndex, hash));
      if (this.range.size === this.older?.size) this.olderRoot = this.range.root();
      at += 2 + entry.length;
      ends.push(at);
    }
    for (const w of this.stale.get(`entries/${b}`) ?? []) {
      await this.compareStale(entriesPath(b, w), () => this.source.readEntryBundle(b, w), read.bytes.subarray(0, ends[w - 1]));
    }
    // The bundle's own level-0 tile is complete now, full or (at the end) partial.
    const row = this.rows[0] as { index: number; count: number; bytes: Uint8Array };
    if (row.count > 0) {
      this.done.unshift({ level: 0, index: row.index, bytes: row.bytes.slice(0, row.count * HASH_SIZE) });
      row.count = 0;
    }
    return this.compareDone(new Map([[tilePath({ level: 0, index: b, width }), leafTile]]));
  }

  private visit(level: number, nodeIndex: number, hash: Uint8Array): void {
    // Only every 8th tree level is stored, as in integrate.ts.
    if (level % TILE_HEIGHT !== 0) return;
    const tileLevel = level / TILE_HEIGHT;
    const row = (this.rows[tileLevel] ??= { index: 0, count: 0, bytes: new Uint8Array(TILE_WIDTH * HASH_SIZE) });
    row.index = Math.floor(nodeIndex / TILE_WIDTH);
    row.bytes.set(hash, (nodeIndex % TILE_WIDTH) * HASH_SIZE);
    row.count = (nodeIndex % TILE_WIDTH) + 1;
    if (row.count === TILE_WIDTH && tileLevel > 0) {
      this.done.push({ level: tileLevel, index: row.index, bytes: row.bytes.slice() });
      row.count = 0;
    }
  }

  /** Compares queued rebuilt tiles with the stored ones; a missing or unreadable tile fails at once. */
  private async compareDone(prefetched: ReadonlyMap<string, Read>): Promise<LogFailure | undefined> {
    for (const tile of this.done.splice(0)) {
      const width = tile.bytes.length / HASH_SIZE;
      const file = tilePath({ level: tile.level, index: tile.index, width });
      const read = prefetched.get(file) ?? this.edge.get(file) ?? (await safeRead(file, () => this.source.readTile(tile.level, tile.index, width)));
      if (read.failure) return read.failure;
      if (!read.bytes) return { file, message: "missing" };
      if (!bytesEqual(read.bytes, tile.bytes)) {
        const at = firstDifferentHash(read.bytes, tile.bytes);
        const message = read.bytes.length !== tile.bytes.length
          ? `${read.bytes.length} bytes, expected ${tile.bytes.length}`
          : `hash ${at} differs from the one rebuilt from the entries`;
        this.mismatch ??= { file, message };
        if (tile.level === 0) {
          this.leafMismatch ??= {
            file: entriesPath(tile.index, width), index: tile.index * TILE_WIDTH + at,
            message: `entry's leaf hash differs from ${file}, and the entries do not rebuild the checkpoint's root`,
          };
        }
      }
      for (const w of this.stale.get(`tile/${tile.level}/${tile.index}`) ?? []) {
        await this.compareStale(tilePath({ level: tile.level, index: tile.index, width: w }), () => this.source.readTile(tile.level, tile.index, w), tile.bytes.subarray(0, w * HASH_SIZE));
      }
    }
    return undefined;
  }

  /** A partial tile or bundle left from an older size must be a prefix of the current one. */
  private async compareStale(file: string, read: () => Promise<Uint8Array | undefined>, want: Uint8Array): Promise<void> {
    const got = await safeRead(file, read);
    if (got.failure || !got.bytes) return; // it was listed; gone since is fine: old partials may be pruned
    if (!bytesEqual(got.bytes, want)) this.mismatch ??= { file, message: "partial copy from an older size differs from the current data" };
  }
}

function openHead(note: string | Uint8Array, options: VerifyLogOptions, file: string): Head | { error: LogFailure } {
  const verified = verifyCheckpoint(note, options.trusted, { nowSeconds: options.nowSeconds });
  if (verified.error) return { error: { file, message: verified.error.message } };
  const { size, rootHash } = verified.value.checkpoint;
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return { error: { file, message: `size ${size} is too large to audit` } };
  return { size: Number(size), root: rootHash };
}

/**
 * Partial widths stored below the current width of the same tile or bundle, by
 * "tile/<L>/<N>" or "entries/<N>". Wider or later ones are leftovers beyond the checkpoint.
 */
function staleWidths(paths: readonly string[], size: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const path of paths) {
    const parsed = parseTilePath(path);
    if (parsed.error) continue;
    const r = parsed.value;
    const current = tileWidth(r.kind === "tile" ? r.level : 0, r.index, size);
    if (r.width >= current) continue;
    const key = r.kind === "tile" ? `tile/${r.level}/${r.index}` : `entries/${r.index}`;
    out.set(key, [...(out.get(key) ?? []), r.width]);
  }
  return out;
}

async function safeRead(file: string, read: () => Promise<Uint8Array | undefined>): Promise<Read> {
  try {
    const bytes = await read();
    return bytes ? { bytes } : {};
  } catch (e) {
    return { failure: { file, message: `cannot read: ${(e as Error).message}` } };
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function firstDifferentHash(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return Math.floor(i / HASH_SIZE);
}

function fail(file: string, message: string): { error: LogFailure } {
  return { error: { file, message } };
}
