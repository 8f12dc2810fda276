// The table versions the controller has served (or, after a restart, finds in its ledger), in a
// bounded window, so filter reports naming a version it never published can be refused. Filters
// report on the table in use and the one before it, and resend what the controller did not take,
// so a report names a recent version: the window keeps the last KNOWN_VERSIONS_MIN versions
// always, older ones while they are younger than KNOWN_VERSIONS_TTLS table TTLs, and never more
// than KNOWN_VERSIONS_MAX (the lowest versions go first).

/** Versions always kept, however old. */
export const KNOWN_VERSIONS_MIN = 64;
/** Beyond the minimum, versions are kept this many table TTLs after they were served or remembered. */
export const KNOWN_VERSIONS_TTLS = 3;
/** The window never holds more versions than this. */
export const KNOWN_VERSIONS_MAX = 1_024;

interface Known {
  version: bigint;
  /** When it was served or remembered (the feed's clock). */
  atMs: number;
}

export class KnownVersions {
  /** Ascending by version. */
  private readonly entries: Known[] = [];
  private readonly versions = new Set<bigint>();
  private readonly keepMs: number;

  constructor(ttlMs: number, private readonly clock: () => number) {
    this.keepMs = KNOWN_VERSIONS_TTLS * ttlMs;
  }

  get size(): number {
    this.prune();
    return this.entries.length;
  }

  add(version: bigint): void {
    if (this.versions.has(version)) return;
    const entry = { version, atMs: this.clock() };
    // Served versions only grow, so this is an append; remembered ones may land anywhere.
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.version > version) at--;
    this.entries.splice(at, 0, entry);
    this.versions.add(version);
    this.prune();
  }

  /** Adds many (e.g. a ledger's worth): only the highest KNOWN_VERSIONS_MAX can stay, so only they are added. */
  addAll(versions: Iterable<bigint>): void {
    const highest = [...new Set(versions)].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, KNOWN_VERSIONS_MAX);
    for (const version of highest.reverse()) this.add(version);
  }

  has(version: bigint): boolean {
    this.prune();
    return this.versions.has(version);
  }

  private prune(): void {
    const oldest = this.clock() - this.keepMs;
    while (
      this.entries.length > KNOWN_VERSIONS_MIN &&
      (this.entries.length > KNOWN_VERSIONS_MAX || this.entries[0]!.atMs < oldest)
    ) {
      this.versions.delete(this.entries.shift()!.version);
    }
  }
}
