// The entries the SIGKILL test appends: real canonical records, so a full verify can run after
// every crash. No vitest import, since the child process loads this too.
import { encodeRecord } from "../../../../controller/ledger/records/codec.js";

export function crashEntry(n: number): Uint8Array {
  const encoded = encodeRecord({ kind: "config_changed", v: 1, at_ms: n, config_sha256: "0".repeat(64), summary: `entry ${n}` });
  if (encoded.error) throw encoded.error;
  return encoded.value;
}
