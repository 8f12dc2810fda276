// The poll request's headers, serialized in the ABI's pair format: u32 count; per pair u32 key
// length and u32 value length; then per pair the key bytes, NUL, the value bytes, NUL. Only
// If-None-Match changes between polls, so the other pairs are fixed at configure time.
import { ControllerConfig } from "../config/controller-config";

export const TABLE_MEDIA_TYPE = "application/vnd.solar-router.table";

export class PollRequest {
  private readonly keys: string[];
  private readonly values: string[];
  /** The headers of a poll that has no table to compare against. */
  private readonly unconditional: ArrayBuffer;

  constructor(config: ControllerConfig) {
    const keys = [":method", ":path", ":authority", "accept"];
    const values = ["GET", config.path + "?wait_ms=" + config.waitMs.toString(), config.authority, TABLE_MEDIA_TYPE];
    if (config.token.length > 0) {
      keys.push("authorization");
      values.push("Bearer " + config.token);
    }
    this.keys = keys;
    this.values = values;
    this.unconditional = serializePairs(keys, values);
  }

  /** The headers of a poll; `version` is the newest table in shared data, 0 for none. */
  headers(version: u64): ArrayBuffer {
    if (version == 0) return this.unconditional;
    const keys = this.keys.slice();
    const values = this.values.slice();
    keys.push("if-none-match");
    values.push("\"" + version.toString() + "\"");
    return serializePairs(keys, values);
  }
}

export function serializePairs(keys: string[], values: string[]): ArrayBuffer {
  const n = keys.length;
  const encoded = new Array<ArrayBuffer>(2 * n);
  let size = 4 + 8 * n;
  for (let i = 0; i < n; i++) {
    const key = String.UTF8.encode(keys[i]);
    const value = String.UTF8.encode(values[i]);
    encoded[2 * i] = key;
    encoded[2 * i + 1] = value;
    size += key.byteLength + value.byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>n);
  let at = base + 4 + 8 * <usize>n;
  for (let i = 0; i < 2 * n; i++) {
    const part = encoded[i];
    const len = <usize>part.byteLength;
    store<u32>(base + 4 + 4 * <usize>i, <u32>len);
    memory.copy(at, changetype<usize>(part), len);
    store<u8>(at + len, 0);
    at += len + 1;
  }
  return out;
}
