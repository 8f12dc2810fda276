// Logs of valid records on disk for the verify and CLI tests, built with the real openLog in
// several batches so the directory also holds partial tiles and bundles from older sizes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LogKeys } from "../../../../controller/ledger/checkpoint/key-store.js";
import { SignerKey } from "../../../../controller/ledger/checkpoint/keys.js";
import type { TrustedLog } from "../../../../controller/ledger/checkpoint/verify.js";
import { SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";
import { openLog } from "../../../../controller/ledger/log/open.js";
import { encodeRecord, encodeRecordEntries } from "../../../../controller/ledger/records/codec.js";
import type { LedgerRecord } from "../../../../controller/ledger/records/record.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, ORIGIN, keys, seed, trusted } from "../checkpoint/fixed-keys.js";
import { tempDir } from "../log/support.js";
import { bigSnapshot } from "../records/support.js";

export { NOW, ORIGIN, keys, trusted, tempDir };

export function record(i: number): LedgerRecord {
  return { kind: "config_changed", v: 1, at_ms: 1_767_225_600_000 + i, config_sha256: (i % 256).toString(16).padStart(2, "0").repeat(32), summary: `change ${i} ${"y".repeat(i % 23)}` };
}

export function recordBytes(i: number): Uint8Array {
  return encodeRecord(record(i)).value as Uint8Array;
}

export interface BuiltLog {
  readonly dir: string;
  readonly storage: PosixStorage;
  /** The signed note after each batch, oldest first. */
  readonly notes: string[];
}

/** A log of `sizes.at(-1)` records, one integration per step in `sizes`. */
export async function buildLog(sizes: readonly number[], logKeys: LogKeys = keys): Promise<BuiltLog> {
  const dir = await tempDir();
  const storage = new PosixStorage(dir);
  const log = await openLog({
    origin: ORIGIN, keys: logKeys, storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchRecords: 100_000, maxPendingRecords: 100_000, maxBatchAgeMs: 1,
    // Every partial stays, so the audit of stale partials has something to check.
    partialGraceMs: Number.MAX_SAFE_INTEGER,
  });
  const notes: string[] = [];
  let at = 0;
  for (const size of sizes) {
    await Promise.all(Array.from({ length: size - at }, (_, k) => log.append(recordBytes(at + k))));
    await log.flush();
    at = size;
    notes.push(log.checkpoint);
  }
  await log.close();
  return { dir, storage, notes };
}

export interface ChunkedLog extends BuiltLog {
  /** Every record in log order, and the index of its first entry. */
  readonly records: { readonly first: number; readonly record: LedgerRecord }[];
}

/**
 * A log with records too large for one entry between ordinary ones: 5 small, a large one (in
 * parts), 3 small, and a second large one whose parts end the log.
 */
export async function buildChunkedLog(): Promise<ChunkedLog> {
  const dir = await tempDir();
  const storage = new PosixStorage(dir);
  const log = await openLog({ origin: ORIGIN, keys, storage, nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 1 });
  const records: { first: number; record: LedgerRecord }[] = [];
  const add = async (r: LedgerRecord) => {
    const entries = encodeRecordEntries(r).value!;
    records.push({ first: await log.appendAll(entries), record: r });
  };
  for (let i = 0; i < 5; i++) await add(record(i));
  await add(bigSnapshot(4));
  for (let i = 5; i < 8; i++) await add(record(i));
  await add(bigSnapshot(3, 2016, 7));
  const notes = [log.checkpoint];
  await log.close();
  return { dir, storage, notes, records };
}

/** Keys for a second log under the same origin: a fork signed by someone else. */
export const otherKeys: LogKeys = {
  ed25519: SignerKey.fromSeed(ORIGIN, SignatureType.Ed25519, seed(7)),
  mlDsa44: SignerKey.fromSeed(ORIGIN, SignatureType.MlDsa44Cosignature, seed(8)),
};
export const otherTrusted: TrustedLog = { origin: ORIGIN, ed25519: otherKeys.ed25519.verifier, mlDsa44: otherKeys.mlDsa44.verifier };

export function readBytes(dir: string, path: string): Promise<Buffer> {
  return readFile(join(dir, path));
}
