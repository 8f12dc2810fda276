// Encoder for weight table format 1 (docs/weight-table.md). It validates what the planner hands
// it with the same rules a decoder applies, so a table that leaves the controller always decodes.
import { crc32 } from "node:zlib";
import {
  CHECKSUM_SIZE, FORMAT, HEADER_SIZE, MAGIC, MAX_CANARY_BP, MAX_KEY_BYTES, MAX_NAME_BYTES,
  MAX_SERVICES, MAX_TABLE_BYTES, MAX_UPSTREAMS, MAX_WEIGHT_SUM, TABLE_FLAG_CANARY,
  UPSTREAM_FLAG_DRAINING, isKeyByte, isNameByte,
} from "./format.js";
import type { Service, WeightTable } from "./weight-table.js";

export class TableEncodeError extends Error {
  constructor(readonly field: string, message: string) {
    super(`weight table ${field}: ${message}`);
    this.name = "TableEncodeError";
  }
}

const U64_MAX = (1n << 64n) - 1n;

export function encodeTable(table: WeightTable): Uint8Array {
  checkHeader(table);
  const services = [...table.services].sort((a, b) => compareBytes(ascii(a.key), ascii(b.key)));
  const canary = table.canaryBp !== null;
  const size = HEADER_SIZE + CHECKSUM_SIZE + services.reduce((n, s, i) => n + serviceSize(s, i, canary), 0);
  if (size > MAX_TABLE_BYTES) throw new TableEncodeError("size", `${size} bytes exceeds ${MAX_TABLE_BYTES}`);

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint8(4, FORMAT);
  view.setUint8(5, canary ? TABLE_FLAG_CANARY : 0);
  view.setUint16(6, table.canaryBp ?? 0, true);
  view.setBigUint64(8, table.version, true);
  view.setBigUint64(16, table.issuedAtMs, true);
  view.setUint32(24, table.ttlMs, true);
  view.setUint32(28, size, true);
  view.setUint16(32, services.length, true);
  view.setUint16(34, 0, true);

  let at = HEADER_SIZE;
  let previousKey: Uint8Array | null = null;
  for (const [i, service] of services.entries()) {
    const key = ascii(service.key);
    if (previousKey !== null && compareBytes(previousKey, key) === 0) {
      throw new TableEncodeError(`services[${i}].key`, `duplicate key '${service.key}'`);
    }
    previousKey = key;
    out[at++] = key.length;
    out.set(key, at);
    at += key.length;
    out[at++] = service.upstreams.length;
    for (const upstream of service.upstreams) {
      const name = ascii(upstream.name);
      out[at++] = name.length;
      out.set(name, at);
      at += name.length;
      view.setUint32(at, upstream.weight, true);
      at += 4;
      if (canary) {
        view.setUint32(at, upstream.canaryWeight, true);
        at += 4;
      }
      out[at++] = upstream.draining ? UPSTREAM_FLAG_DRAINING : 0;
    }
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

function checkHeader(table: WeightTable): void {
  if (table.version < 1n || table.version > U64_MAX) throw new TableEncodeError("version", "expected 1..2^64-1");
  if (table.issuedAtMs < 0n || table.issuedAtMs > U64_MAX) throw new TableEncodeError("issuedAtMs", "expected 0..2^64-1");
  if (!isUint(table.ttlMs, 1, 0xffff_ffff)) throw new TableEncodeError("ttlMs", "expected an integer 1..4294967295");
  if (table.canaryBp !== null && !isUint(table.canaryBp, 0, MAX_CANARY_BP)) {
    throw new TableEncodeError("canaryBp", `expected an integer 0..${MAX_CANARY_BP} or null`);
  }
  if (table.services.length > MAX_SERVICES) throw new TableEncodeError("services", `more than ${MAX_SERVICES}`);
}

function serviceSize(service: Service, i: number, canary: boolean): number {
  const field = `services[${i}]`;
  const key = ascii(service.key);
  if (key.length < 1 || key.length > MAX_KEY_BYTES || !key.every(isKeyByte)) {
    throw new TableEncodeError(`${field}.key`, `expected 1..${MAX_KEY_BYTES} visible lower-case ASCII bytes, got '${service.key}'`);
  }
  const n = service.upstreams.length;
  if (n < 1 || n > MAX_UPSTREAMS) throw new TableEncodeError(`${field}.upstreams`, `expected 1..${MAX_UPSTREAMS} upstreams, got ${n}`);
  const names = new Set<string>();
  let sum = 0;
  let canarySum = 0;
  let size = 2 + key.length;
  for (const [j, upstream] of service.upstreams.entries()) {
    const at = `${field}.upstreams[${j}]`;
    const name = ascii(upstream.name);
    if (name.length < 1 || name.length > MAX_NAME_BYTES || !name.every(isNameByte)) {
      throw new TableEncodeError(`${at}.name`, `expected 1..${MAX_NAME_BYTES} of [A-Za-z0-9._~-], got '${upstream.name}'`);
    }
    if (names.has(upstream.name)) throw new TableEncodeError(`${at}.name`, `duplicate upstream '${upstream.name}'`);
    names.add(upstream.name);
    if (!isUint(upstream.weight, 0, 0xffff_ffff)) throw new TableEncodeError(`${at}.weight`, "expected an integer 0..4294967295");
    if (canary && !isUint(upstream.canaryWeight, 0, 0xffff_ffff)) {
      throw new TableEncodeError(`${at}.canaryWeight`, "expected an integer 0..4294967295");
    }
    sum += upstream.weight;
    canarySum += canary ? upstream.canaryWeight : 0;
    size += 1 + name.length + 4 + (canary ? 4 : 0) + 1;
  }
  if (sum > MAX_WEIGHT_SUM || canarySum > MAX_WEIGHT_SUM) {
    throw new TableEncodeError(`${field}.upstreams`, "weights sum past 4294967295");
  }
  return size;
}

function isUint(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Out-of-range characters become 0, which no validity check accepts.
    out[i] = c < 0x80 ? c : 0;
  }
  return out;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
