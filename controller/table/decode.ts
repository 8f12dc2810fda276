// Decoder for weight table format 1 (docs/weight-table.md). Untrusted bytes in, a table or the
// first reason to refuse it out, checked in the order the spec fixes so that this decoder and the
// filter's agree on every input.
import { crc32 } from "node:zlib";
import {
  CHECKSUM_SIZE, FORMAT, HEADER_SIZE, MAGIC, MAX_CANARY_BP, MAX_KEY_BYTES, MAX_NAME_BYTES,
  MAX_SERVICES, MAX_TABLE_BYTES, MAX_UPSTREAMS, MAX_WEIGHT_SUM, TABLE_FLAG_CANARY,
  UPSTREAM_FLAG_DRAINING, isKeyByte, isNameByte, type RejectReason,
} from "./format.js";
import { compareBytes } from "./encode.js";
import type { Service, Upstream, WeightTable } from "./weight-table.js";

export type DecodeResult =
  | { readonly value: WeightTable; readonly error?: undefined }
  | { readonly error: { readonly reason: RejectReason; readonly message: string }; readonly value?: undefined };

class Rejected {
  constructor(readonly reason: RejectReason, readonly message: string) {}
}

export function decodeTable(bytes: Uint8Array): DecodeResult {
  try {
    return { value: decodeOrThrow(bytes) };
  } catch (e) {
    if (e instanceof Rejected) return { error: { reason: e.reason, message: e.message } };
    throw e;
  }
}

function reject(reason: RejectReason, message: string): never {
  throw new Rejected(reason, message);
}

function decodeOrThrow(bytes: Uint8Array): WeightTable {
  const len = bytes.length;
  if (len < HEADER_SIZE + CHECKSUM_SIZE) reject("too_short", `${len} bytes, need at least ${HEADER_SIZE + CHECKSUM_SIZE}`);
  if (len > MAX_TABLE_BYTES) reject("too_large", `${len} bytes, at most ${MAX_TABLE_BYTES}`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) reject("bad_magic", "not a weight table (magic is not SWT1)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const format = view.getUint8(4);
  if (format !== FORMAT) reject("unsupported_format", `format ${format}, this decoder reads ${FORMAT}`);
  const totalLength = view.getUint32(28, true);
  if (totalLength !== len) reject("length_mismatch", `header says ${totalLength} bytes, got ${len}`);
  const end = len - CHECKSUM_SIZE;
  const expected = view.getUint32(end, true);
  const actual = crc32(bytes.subarray(0, end));
  if (expected !== actual) reject("bad_checksum", `crc32 ${hex(actual)}, header says ${hex(expected)}`);

  const flags = view.getUint8(5);
  const canaryBp = view.getUint16(6, true);
  const version = view.getBigUint64(8, true);
  const issuedAtMs = view.getBigUint64(16, true);
  const ttlMs = view.getUint32(24, true);
  const serviceCount = view.getUint16(32, true);
  const canary = (flags & TABLE_FLAG_CANARY) !== 0;
  if ((flags & ~TABLE_FLAG_CANARY) !== 0) reject("bad_header", `unknown table flags ${hex(flags)}`);
  if (canaryBp > MAX_CANARY_BP || (!canary && canaryBp !== 0)) reject("bad_header", `canary_bp ${canaryBp}`);
  if (version === 0n) reject("bad_header", "version 0");
  if (ttlMs === 0) reject("bad_header", "ttl_ms 0");
  if (serviceCount > MAX_SERVICES) reject("bad_header", `${serviceCount} services, at most ${MAX_SERVICES}`);
  if (view.getUint16(34, true) !== 0) reject("bad_header", "reserved bytes are not 0");

  let at = HEADER_SIZE;
  const need = (n: number): void => {
    if (at + n > end) reject("truncated", `record at byte ${at} runs past the end`);
  };
  const services: Service[] = [];
  let previousKey: Uint8Array | null = null;
  for (let s = 0; s < serviceCount; s++) {
    need(1);
    const keyLen = bytes[at++]!;
    need(keyLen);
    const key = bytes.subarray(at, at + keyLen);
    if (keyLen < 1 || keyLen > MAX_KEY_BYTES || !key.every(isKeyByte)) {
      reject("bad_service_key", `service ${s} key at byte ${at - 1}`);
    }
    at += keyLen;
    if (previousKey !== null && compareBytes(previousKey, key) >= 0) reject("service_order", `service ${s} is not in key order`);
    previousKey = key;
    need(1);
    const upstreamCount = bytes[at++]!;
    if (upstreamCount < 1 || upstreamCount > MAX_UPSTREAMS) reject("bad_upstream_count", `service ${s} has ${upstreamCount} upstreams`);
    const upstreams: Upstream[] = [];
    const names = new Set<string>();
    let sum = 0;
    let canarySum = 0;
    for (let u = 0; u < upstreamCount; u++) {
      need(1);
      const nameLen = bytes[at++]!;
      need(nameLen);
      const nameBytes = bytes.subarray(at, at + nameLen);
      if (nameLen < 1 || nameLen > MAX_NAME_BYTES || !nameBytes.every(isNameByte)) {
        reject("bad_upstream_name", `service ${s} upstream ${u} name at byte ${at - 1}`);
      }
      at += nameLen;
      const name = String.fromCharCode(...nameBytes);
      if (names.has(name)) reject("duplicate_upstream", `service ${s} repeats upstream '${name}'`);
      names.add(name);
      need(canary ? 9 : 5);
      const weight = view.getUint32(at, true);
      at += 4;
      const canaryWeight = canary ? view.getUint32(at, true) : 0;
      if (canary) at += 4;
      const upstreamFlags = bytes[at++]!;
      if ((upstreamFlags & ~UPSTREAM_FLAG_DRAINING) !== 0) reject("bad_upstream_flags", `service ${s} upstream '${name}' flags ${hex(upstreamFlags)}`);
      sum += weight;
      canarySum += canaryWeight;
      upstreams.push({ name, weight, canaryWeight, draining: (upstreamFlags & UPSTREAM_FLAG_DRAINING) !== 0 });
    }
    if (sum > MAX_WEIGHT_SUM || canarySum > MAX_WEIGHT_SUM) reject("weight_overflow", `service ${s} weights sum past 2^32-1`);
    services.push({ key: String.fromCharCode(...key), upstreams });
  }
  if (at !== end) reject("trailing_bytes", `${end - at} bytes after the last service`);
  return { version, issuedAtMs, ttlMs, canaryBp: canary ? canaryBp : null, services };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}
