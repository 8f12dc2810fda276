// Regenerates the weight table golden vectors in test/fixtures/tables/ (`npm run fixtures`).
// Valid vectors come from the encoder; each invalid one is a valid table broken in exactly one
// way (with length and checksum repaired where the break is past them), so each decoder must
// name that one reason.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { encodeTable } from "../controller/table/encode.js";
import { HEADER_SIZE, MAX_TABLE_BYTES, type RejectReason } from "../controller/table/format.js";
import type { WeightTable } from "../controller/table/weight-table.js";

const DIR = join(import.meta.dirname, "..", "test", "fixtures", "tables");

type Vector =
  | { file: string; about: string; expect: "accept"; table: unknown }
  | { file: string; about: string; expect: "reject"; reason: RejectReason };

const example: WeightTable = {
  version: 7n,
  issuedAtMs: 1_700_000_000_000n,
  ttlMs: 30_000,
  canaryBp: null,
  services: [{
    key: "checkout.shop.svc",
    upstreams: [
      { name: "site-a", weight: 3, canaryWeight: 0, draining: false },
      { name: "site-b", weight: 1, canaryWeight: 0, draining: true },
    ],
  }],
};

const threeSites: WeightTable = {
  version: 42n,
  issuedAtMs: 1_764_000_000_000n,
  ttlMs: 60_000,
  canaryBp: null,
  services: [
    { key: "api.example.com", upstreams: [
      { name: "site-a", weight: 600, canaryWeight: 0, draining: false },
      { name: "site-b", weight: 300, canaryWeight: 0, draining: false },
      { name: "site-c", weight: 100, canaryWeight: 0, draining: false },
    ] },
    { key: "cart.shop.svc.cluster.local", upstreams: [
      { name: "site-b", weight: 1, canaryWeight: 0, draining: false },
      { name: "site-c", weight: 0, canaryWeight: 0, draining: false },
    ] },
    { key: "static.example.com", upstreams: [
      { name: "site-a", weight: 5, canaryWeight: 0, draining: true },
      { name: "site-b", weight: 5, canaryWeight: 0, draining: true },
    ] },
  ],
};

const canary: WeightTable = {
  version: 9n,
  issuedAtMs: 1_764_000_000_000n,
  ttlMs: 10_000,
  canaryBp: 2_500,
  services: [{ key: "api.example.com", upstreams: [
    { name: "site-a", weight: 1, canaryWeight: 0, draining: false },
    { name: "site-b", weight: 0, canaryWeight: 1, draining: false },
  ] }],
};

const wide: WeightTable = {
  version: 3n,
  issuedAtMs: 1_764_000_000_000n,
  ttlMs: 1,
  canaryBp: null,
  services: [{
    key: "wide.example",
    upstreams: Array.from({ length: 64 }, (_, i) => ({
      name: `u${String(i).padStart(2, "0")}`, weight: 0xffff_ffff >>> 6, canaryWeight: 0, draining: false,
    })),
  }],
};

const empty: WeightTable = { version: 1n, issuedAtMs: 0n, ttlMs: 1000, canaryBp: null, services: [] };

/** Re-seals a table after an edit past the header: fixes total_length and the checksum. */
function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  view.setUint32(28, bytes.length, true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

function edit(table: WeightTable, change: (b: Uint8Array, v: DataView) => void, resealAfter = true): Uint8Array {
  const bytes = encodeTable(table).slice();
  change(bytes, new DataView(bytes.buffer));
  return resealAfter ? reseal(bytes) : bytes;
}

/** Splices `insert` at `at`, removing `remove` bytes, and reseals. */
function splice(table: WeightTable, at: number, remove: number, insert: number[]): Uint8Array {
  const bytes = encodeTable(table);
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return reseal(out);
}

// Offsets into `example`: key_len at 36, key 37..53, upstream_count 54, first name_len 55.
const KEY_LEN = HEADER_SIZE;
const UPSTREAM_COUNT = KEY_LEN + 1 + 17;
const FIRST_NAME = UPSTREAM_COUNT + 1;
const FIRST_WEIGHT = FIRST_NAME + 1 + 6;
const FIRST_FLAGS = FIRST_WEIGHT + 4;
const SECOND_NAME = FIRST_FLAGS + 1;

const invalid: Array<[string, RejectReason, string, () => Uint8Array]> = [
  ["too-short", "too_short", "39 bytes", () => encodeTable(empty).subarray(0, 39)],
  ["too-large", "too_large", "one byte over 1 MiB", () => new Uint8Array(MAX_TABLE_BYTES + 1)],
  ["bad-magic", "bad_magic", "magic SWT2", () => edit(example, (b) => { b[3] = 0x32; })],
  ["unsupported-format", "unsupported_format", "format 2", () => edit(example, (b) => { b[4] = 2; })],
  ["length-mismatch", "length_mismatch", "total_length one too many", () =>
    edit(example, (b, v) => { v.setUint32(28, b.length + 1, true); }, false)],
  ["bad-checksum", "bad_checksum", "last checksum byte flipped", () =>
    edit(example, (b) => { b[b.length - 1]! ^= 0xff; }, false)],
  ["bad-header-flags", "bad_header", "unknown table flag 0x02", () => edit(example, (b) => { b[5] = 0x02; })],
  ["bad-header-canary", "bad_header", "canary_bp without the CANARY flag", () =>
    edit(example, (_b, v) => { v.setUint16(6, 1, true); })],
  ["bad-header-canary-range", "bad_header", "canary_bp 10001", () =>
    edit(canary, (_b, v) => { v.setUint16(6, 10_001, true); })],
  ["bad-header-version", "bad_header", "version 0", () => edit(example, (_b, v) => { v.setBigUint64(8, 0n, true); })],
  ["bad-header-ttl", "bad_header", "ttl 0", () => edit(example, (_b, v) => { v.setUint32(24, 0, true); })],
  ["bad-header-services", "bad_header", "1025 services", () => edit(example, (_b, v) => { v.setUint16(32, 1025, true); })],
  ["bad-header-reserved", "bad_header", "reserved bytes set", () => edit(example, (b) => { b[35] = 1; })],
  ["truncated", "truncated", "service_count says 2, one present", () => edit(example, (_b, v) => { v.setUint16(32, 2, true); })],
  ["truncated-name", "truncated", "second name length runs past the end", () =>
    edit(example, (b) => { b[SECOND_NAME] = 60; })],
  ["bad-service-key-empty", "bad_service_key", "key length 0", () => splice(example, KEY_LEN, 18, [0])],
  ["bad-service-key-upper", "bad_service_key", "upper-case key byte", () => edit(example, (b) => { b[KEY_LEN + 1] = 0x43; })],
  ["service-order", "service_order", "keys out of order", () => swapFirstTwoServices(encodeTable(threeSites))],
  ["service-duplicate", "service_order", "the same key twice", () => duplicateFirstService(encodeTable(example))],
  ["bad-upstream-count-zero", "bad_upstream_count", "0 upstreams", () => edit(example, (b) => { b[UPSTREAM_COUNT] = 0; })],
  ["bad-upstream-count-65", "bad_upstream_count", "65 upstreams", () => edit(example, (b) => { b[UPSTREAM_COUNT] = 65; })],
  ["bad-upstream-name-char", "bad_upstream_name", "a space in a name", () => edit(example, (b) => { b[FIRST_NAME + 1] = 0x20; })],
  ["bad-upstream-name-long", "bad_upstream_name", "name length 65", () =>
    splice(example, FIRST_NAME, 7, [65, ...Array.from({ length: 65 }, () => 0x61)])],
  ["duplicate-upstream", "duplicate_upstream", "site-b renamed site-a", () => edit(example, (b) => { b[SECOND_NAME + 6] = 0x61; })],
  ["bad-upstream-flags", "bad_upstream_flags", "upstream flag 0x02", () => edit(example, (b) => { b[FIRST_FLAGS] = 0x02; })],
  ["weight-overflow", "weight_overflow", "weights sum to 2^32", () =>
    edit(example, (_b, v) => { v.setUint32(FIRST_WEIGHT, 0xffff_ffff, true); })],
  ["trailing-bytes", "trailing_bytes", "one byte after the last service", () => {
    const bytes = encodeTable(example);
    return splice(example, bytes.length - 4, 0, [0]);
  }],
];

function swapFirstTwoServices(bytes: Uint8Array): Uint8Array {
  const first = serviceSpan(bytes, HEADER_SIZE, false);
  const second = serviceSpan(bytes, first.end, false);
  const out = bytes.slice();
  const a = bytes.subarray(first.start, first.end);
  const b = bytes.subarray(second.start, second.end);
  out.set(b, first.start);
  out.set(a, first.start + b.length);
  return reseal(out);
}

function duplicateFirstService(bytes: Uint8Array): Uint8Array {
  const first = serviceSpan(bytes, HEADER_SIZE, false);
  const span = bytes.subarray(first.start, first.end);
  const out = new Uint8Array(bytes.length + span.length);
  out.set(bytes.subarray(0, first.end), 0);
  out.set(span, first.end);
  out.set(bytes.subarray(first.end), first.end + span.length);
  new DataView(out.buffer).setUint16(32, 2, true);
  return reseal(out);
}

function serviceSpan(bytes: Uint8Array, start: number, canary: boolean): { start: number; end: number } {
  let at = start;
  at += 1 + bytes[at]!;
  const count = bytes[at++]!;
  for (let i = 0; i < count; i++) at += 1 + bytes[at]! + 4 + (canary ? 4 : 0) + 1;
  return { start, end: at };
}

function tableJson(t: WeightTable): unknown {
  return { ...t, version: t.version.toString(), issuedAtMs: t.issuedAtMs.toString() };
}

function main(): void {
  mkdirSync(DIR, { recursive: true });
  for (const f of readdirSync(DIR)) if (f.endsWith(".bin") || f === "vectors.json") rmSync(join(DIR, f));
  const vectors: Vector[] = [];
  const valid: Array<[string, string, WeightTable]> = [
    ["example", "the spec's example: one service, one draining upstream", example],
    ["three-sites", "three services: weighted, one zero weight, all draining", threeSites],
    ["canary", "a canary weight set at 25%", canary],
    ["wide", "64 upstreams whose weights sum close to 2^32", wide],
    ["empty", "no services", empty],
  ];
  for (const [name, about, table] of valid) {
    const file = `${name}.bin`;
    writeFileSync(join(DIR, file), encodeTable(table));
    vectors.push({ file, about, expect: "accept", table: tableJson(table) });
  }
  for (const [name, reason, about, make] of invalid) {
    const file = `reject-${name}.bin`;
    writeFileSync(join(DIR, file), make());
    vectors.push({ file, about, expect: "reject", reason });
  }
  writeFileSync(join(DIR, "vectors.json"), JSON.stringify(vectors, null, 2) + "\n");
  console.log(`wrote ${vectors.length} vectors to ${DIR}`);
}

main();
