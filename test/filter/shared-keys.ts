// The delivery's shared-data values as tests see them (lease, version key), and the worker-pool
// helpers the version key tests share: tables of two sizes, controller answers, bytes copied.
import { expect } from "vitest";
import { encodeTable } from "../../controller/table/encode.js";
import { SHARED_KEY, requestHeaders, table, upstreams } from "./filter-host.js";
import { WorkerPool, type PendingCall, type Worker } from "./worker-pool.js";

export const TICK_MS = 100;
export const LEASE_MS = 3 * TICK_MS;
export const LEASE_KEY = `${SHARED_KEY}.lease`;
export const VERSION_KEY = `${SHARED_KEY}.version`;
export const CONFIG = { tick_ms: TICK_MS, controller: { cluster: "solar-controller" } };
const HOUR_MS = 3_600_000;

export const small = (version: bigint, site = "a") =>
  encodeTable(table([{ key: "api", upstreams: upstreams({ [site]: 1 }) }], { version, ttlMs: HOUR_MS }));

/** 64 services × 64 upstreams (site-00 … site-63); "api" goes to `site` only. */
export const large = (version: bigint, site = "site-00") => {
  const weights = Object.fromEntries(Array.from({ length: 64 }, (_, u) => [`site-${String(u).padStart(2, "0")}`, 0]));
  const services = Array.from({ length: 63 }, (_, i) => ({
    key: `svc-${String(i).padStart(2, "0")}.shop.svc.cluster.local`,
    upstreams: upstreams({ ...weights, "site-00": 1 }),
  }));
  services.unshift({ key: "api", upstreams: upstreams({ ...weights, [site]: 1 }) });
  return encodeTable(table(services, { version, ttlMs: HOUR_MS }));
};

export const ok = (bytes: Uint8Array, version: bigint) => ({
  headers: [[":status", "200"], ["etag", `"${version}"`]] as Array<[string, string]>,
  body: bytes,
});
export const NOT_MODIFIED = { headers: [[":status", "304"]] as Array<[string, string]> };

export function leaseValue(holder: bigint, expiresAtMs: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, holder, true);
  view.setBigUint64(8, BigInt(expiresAtMs), true);
  return bytes;
}

export function versionKeyValue(tableCas: number, version: bigint, writer: bigint): Uint8Array {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  bytes.set(Buffer.from("SWV1", "latin1"), 0);
  view.setUint32(4, tableCas, true);
  view.setBigUint64(8, version, true);
  view.setBigUint64(16, writer, true);
  return bytes;
}

export const leaseHolder = (pool: WorkerPool): bigint => {
  const v = pool.sharedData.get(LEASE_KEY)!.value;
  return new DataView(v.buffer, v.byteOffset, v.byteLength).getBigUint64(0, true);
};

/** The version key's fields, or null when absent. */
export function versionKey(pool: WorkerPool): { magic: string; tableCas: number; version: bigint; writer: bigint } | null {
  const v = pool.sharedData.get(VERSION_KEY)?.value;
  if (v === undefined) return null;
  expect(v.length).toBe(24);
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return {
    magic: Buffer.from(v.subarray(0, 4)).toString("latin1"),
    tableCas: view.getUint32(4, true),
    version: view.getBigUint64(8, true),
    writer: view.getBigUint64(16, true),
  };
}

/** Every metric of a worker that is not 0, without the prefix. */
export function counters(worker: Worker): Record<string, number> {
  return Object.fromEntries(Object.entries(worker.host.metrics())
    .filter(([, m]) => m.value !== 0n)
    .map(([name, m]) => [name.replace(/^solar_router\./, ""), Number(m.value)]));
}

export const routes = (pool: WorkerPool) => pool.running().map((w) => w.route(requestHeaders("api")));

/** Bytes each running worker copies out of `key` over the next `ticks` ticks. */
export function copiedOver(pool: WorkerPool, ticks: number, key: string): number[] {
  const before = pool.running().map((w) => w.host.sharedDataCopied(key).bytes);
  pool.advance(ticks * TICK_MS);
  return pool.running().map((w, i) => w.host.sharedDataCopied(key).bytes - before[i]!);
}

/** Three workers; the holder has answered its first poll with `bytes` and polls again. */
export async function withTable(bytes: Uint8Array, version: bigint): Promise<{ pool: WorkerPool; holder: Worker; others: Worker[]; next: PendingCall }> {
  const pool = await WorkerPool.start(3, CONFIG);
  while (pool.pendingCalls().length === 0) pool.advance(1);
  const call = pool.onlyCall();
  pool.advance(TICK_MS); // held a while, so the next poll follows at once
  call.respond(ok(bytes, version));
  const holder = call.worker;
  return { pool, holder, others: pool.workers.filter((w) => w !== holder), next: pool.onlyCall() };
}

/** What a worker that is not the holder counts after it adopted one table and ticked along. */
export const readerCounters = (version: number, decisions: Record<string, number> = {}) => ({
  "table.loaded": 1, "table.version": version,
  ...Object.fromEntries(Object.entries(decisions).map(([upstream, n]) => [`decisions.${upstream}`, n])),
});
