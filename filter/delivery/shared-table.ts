// The table in proxy shared data and its version key (version-key.ts). Every worker asks, on each
// tick, whether the table can have changed since it last read it; only then does it copy the
// table. The lease holder names the table to poll for, stores fetched tables, and keeps the
// version key naming whatever table value it reads. A table write only replaces an older (or
// corrupt) value and carries the CAS read just before it, so a newer table that another writer
// stored in between is never replaced by an older one; the version key is written after the
// table, since its CAS is known only once it is stored.
import { HostBytes, getSharedData, setSharedData, valueCas, valueLen, valuePtr } from "../host";
import { intactVersion } from "../table/version";
import { VersionKey } from "./version-key";

/** CAS races worth retrying: only a lease holder writes, so more than one means a second writer. */
const WRITE_ATTEMPTS = 3;

export class SharedTable {
  /** CAS of the value the last successful `publish` stored; 0 when it could not be confirmed. */
  writtenCas: u32 = 0;
  private readonly versionKey: VersionKey;

  constructor(
    private readonly key: HostBytes,
    versionKey: HostBytes,
    /** This worker's lease holder id, written into the version key; 0 without a controller. */
    private readonly writerId: u64,
  ) {
    this.versionKey = new VersionKey(versionKey);
  }

  /**
   * True when the table value this worker last read (`seenCas`) is still the one in shared data,
   * as far as the version key tells: the key names that CAS and was written by `holder`, the
   * worker the lease names now. Without a holder (no controller, no lease yet) it is never
   * trusted: a writer that does not keep the key (an older filter version holding the lease, an
   * operator) would otherwise go unseen. Reads 24 bytes, never the table.
   */
  unchangedSince(seenCas: u32, holder: u64): bool {
    if (holder == 0 || !this.versionKey.read()) return false;
    return this.versionKey.writer == holder && this.versionKey.tableCas == seenCas;
  }

  /**
   * After reading the table value `cas` (`len` bytes at `ptr`), the holder makes the version key
   * name it, so that the next ticks of every worker need not read it again.
   */
  describe(cas: u32, ptr: usize, len: i32): void {
    if (this.writerId != 0) this.versionKey.describe(cas, intactVersion(ptr, len), this.writerId);
  }

  /**
   * Version of the intact table in shared data (0: none), for the holder to name when it polls.
   * It reads the table here, not the version key, and names what it finds in the key: a table
   * stored by a writer that does not keep the key so reaches every worker within one poll.
   */
  version(): u64 {
    if (!getSharedData(this.key)) return 0;
    const cas = valueCas;
    const version = intactVersion(valuePtr, valueLen);
    if (this.writerId != 0) this.versionKey.describe(cas, version, this.writerId);
    return version;
  }

  /**
   * Stores `bytes` (an intact table of `version`) unless shared data holds that version or newer.
   * `holding`: this worker holds the lease. A former holder's late answer still stores its table
   * and names it in the version key under its own id, which no worker trusts: every worker reads
   * the table on its next tick, and the holder names it again.
   */
  publish(bytes: ArrayBuffer, version: u64, holding: bool): bool {
    const ptr = changetype<usize>(bytes);
    const len = bytes.byteLength;
    this.writtenCas = 0;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const present = getSharedData(this.key);
      const presentCas = valueCas;
      const presentVersion = present ? intactVersion(valuePtr, valueLen) : 0;
      if (present && presentVersion >= version) {
        // Someone stored it (or newer) first; the holder makes sure the version key names it.
        if (holding) this.versionKey.describe(presentCas, presentVersion, this.writerId);
        return false;
      }
      // Absent: CAS 0 is the only way to create a key; the versions still settle it next time.
      if (setSharedData(this.key, ptr, len, present ? presentCas : 0)) {
        this.confirm(ptr, len, version);
        return true;
      }
    }
    return false;
  }

  /**
   * Learns the CAS of our own write (so this worker's next tick does not decode it again) and
   * names it in the version key; if another value already replaced it, names that one.
   */
  private confirm(ptr: usize, len: i32, version: u64): void {
    if (!getSharedData(this.key)) return;
    const cas = valueCas;
    const ours = valueLen == len && memory.compare(valuePtr, ptr, <usize>len) == 0;
    if (ours) this.writtenCas = cas;
    if (this.writerId != 0) this.versionKey.describe(cas, ours ? version : intactVersion(valuePtr, valueLen), this.writerId);
  }
}
