// The table in proxy shared data, as the lease holder sees it: the version to name in
// If-None-Match, and the write of a fetched table. A write only replaces an older (or corrupt)
// value and carries the CAS read just before it, so a newer table that another writer stored in
// between is never replaced by an older one.
import { HostBytes, getSharedData, setSharedData, valueCas, valueLen, valuePtr } from "../host";
import { intactVersion } from "../table/version";

/** CAS races worth retrying: only a lease holder writes, so more than one means a second writer. */
const WRITE_ATTEMPTS = 3;

export class SharedTable {
  /** CAS of the value the last successful `publish` stored; 0 when it could not be confirmed. */
  writtenCas: u32 = 0;

  constructor(private readonly key: HostBytes) {}

  /** Version of the intact table in shared data; 0 when there is none. */
  version(): u64 {
    return getSharedData(this.key) ? intactVersion(valuePtr, valueLen) : 0;
  }

  /** Stores `bytes` (an intact table of `version`) unless shared data holds that version or newer. */
  publish(bytes: ArrayBuffer, version: u64): bool {
    const ptr = changetype<usize>(bytes);
    const len = bytes.byteLength;
    this.writtenCas = 0;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const present = getSharedData(this.key);
      if (present && intactVersion(valuePtr, valueLen) >= version) return false;
      // Absent: CAS 0 is the only way to create a key; the versions still settle it next time.
      if (setSharedData(this.key, ptr, len, present ? valueCas : 0)) {
        this.confirm(ptr, len);
        return true;
      }
    }
    return false;
  }

  /** Learns the CAS of our own write, so this worker's next tick does not decode it again. */
  private confirm(ptr: usize, len: i32): void {
    if (getSharedData(this.key) && valueLen == len && memory.compare(valuePtr, ptr, <usize>len) == 0) {
      this.writtenCas = valueCas;
    }
  }
}
