// The version key: a small fixed-size value under `<shared_data_key>.version` that names the
// table value in shared data, so a worker's tick reads 24 bytes instead of the whole table.
// proxy_get_shared_data copies the value it returns and has no CAS-only form, so without it every
// worker copied the whole table on every tick just to compare its CAS.
//
// 24 bytes, little-endian: magic "SWV1" (u32), the CAS of the table value it names (u32), that
// table's version (u64, 0 when it is not an intact table), and the lease holder id of the worker
// that wrote it (u64). Workers trust it only while its writer holds the lease (see root-context.ts
// and docs/table-delivery.md), so a writer that never stores it cannot hide a table.
import { HostBytes, getSharedData, setSharedData, valueCas, valueLen, valuePtr } from "../host";

export const VERSION_KEY_SUFFIX = ".version";
export const VERSION_KEY_BYTES: i32 = 24;
const MAGIC: u32 = 0x31565753; // "SWV1" read as a little-endian u32

/** CAS races worth retrying: the lease holder writes it; more than one writer at once is rare. */
const WRITE_ATTEMPTS = 3;

export class VersionKey {
  /** What the last `read` found; all 0 when the key was absent or malformed. */
  tableCas: u32 = 0;
  version: u64 = 0;
  writer: u64 = 0;
  private readonly value: ArrayBuffer = new ArrayBuffer(VERSION_KEY_BYTES);

  constructor(private readonly key: HostBytes) {}

  /** Reads the key; false when it is absent or malformed. */
  read(): bool {
    return this.load() == 1;
  }

  /**
   * Makes the key name table value `tableCas` (intact version `version`) as written by `writer`,
   * unless it already does. Each write carries the key's CAS read just before it, so a name another
   * writer stored meanwhile is read again rather than blindly replaced.
   */
  describe(tableCas: u32, version: u64, writer: u64): void {
    const ptr = changetype<usize>(this.value);
    store<u32>(ptr, MAGIC);
    store<u32>(ptr, tableCas, 4);
    store<u64>(ptr, version, 8);
    store<u64>(ptr, writer, 16);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const found = this.load();
      if (found == 1 && this.tableCas == tableCas && this.version == version && this.writer == writer) return;
      // Absent: CAS 0 is the only way to create a key.
      if (setSharedData(this.key, ptr, VERSION_KEY_BYTES, found < 0 ? 0 : valueCas)) return;
    }
  }

  /** 1: well formed, 0: malformed, -1: absent; the fields hold what it names (0 unless well formed). */
  private load(): i32 {
    this.tableCas = 0;
    this.version = 0;
    this.writer = 0;
    if (!getSharedData(this.key)) return -1;
    if (valueLen != VERSION_KEY_BYTES || load<u32>(valuePtr) != MAGIC) return 0;
    this.tableCas = load<u32>(valuePtr, 4);
    this.version = load<u64>(valuePtr, 8);
    this.writer = load<u64>(valuePtr, 16);
    return 1;
  }
}
