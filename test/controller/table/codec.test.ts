import { describe, expect, it } from "vitest";
import { decodeTable } from "../../../controller/table/decode.js";
import { TableEncodeError, encodeTable } from "../../../controller/table/encode.js";
import { REJECT_REASONS, reasonCode } from "../../../controller/table/format.js";
import type { WeightTable } from "../../../controller/table/weight-table.js";
import { loadTableVectors } from "../../support/table-vectors.js";

const vectors = loadTableVectors();

describe("golden vectors", () => {
  it("cover every reject reason", () => {
    const covered = new Set(vectors.flatMap((v) => (v.expect === "reject" ? [v.reason] : [])));
    expect([...covered].sort()).toEqual([...REJECT_REASONS].sort());
  });

  for (const v of vectors) {
    if (v.expect === "accept") {
      it(`accepts ${v.file} (${v.about}) and re-encodes it byte for byte`, () => {
        const decoded = decodeTable(v.bytes);
        expect(decoded.error).toBeUndefined();
        expect(decoded.value).toEqual(v.table);
        expect(Buffer.from(encodeTable(v.table)).equals(Buffer.from(v.bytes))).toBe(true);
      });
    } else {
      it(`rejects ${v.file} (${v.about}) as ${v.reason}`, () => {
        const decoded = decodeTable(v.bytes);
        expect(decoded.value).toBeUndefined();
        expect(decoded.error?.reason).toBe(v.reason);
        expect(decoded.error?.message.length).toBeGreaterThan(0);
      });
    }
  }
});

describe("reason codes", () => {
  it("number reasons from 1 in spec order", () => {
    expect(reasonCode("too_short")).toBe(1);
    expect(reasonCode("bad_checksum")).toBe(6);
    expect(reasonCode("trailing_bytes")).toBe(16);
  });
});

function randomTable(seed: number): WeightTable {
  let s = seed;
  const rand = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const canary = rand(2) === 0;
  const keys = new Set<string>();
  while (keys.size < rand(6)) keys.add(`svc-${rand(1000)}.ns.svc`);
  return {
    version: BigInt(1 + rand(1_000_000)),
    issuedAtMs: BigInt(Date.UTC(2026, 0, 1) + rand(1_000_000)),
    ttlMs: 1 + rand(100_000),
    canaryBp: canary ? rand(10_001) : null,
    services: [...keys].sort().map((key) => ({
      key,
      upstreams: Array.from({ length: 1 + rand(8) }, (_, i) => ({
        name: `site-${i}`,
        weight: rand(10_000),
        canaryWeight: canary ? rand(10_000) : 0,
        draining: rand(5) === 0,
      })),
    })),
  };
}

describe("round trip", () => {
  it("decodes what it encodes, for 500 random tables", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const table = randomTable(seed);
      const decoded = decodeTable(encodeTable(table));
      expect(decoded.value).toEqual(table);
    }
  });

  it("sorts services by key bytes", () => {
    const table = randomTable(7);
    const shuffled = { ...table, services: [...table.services].reverse() };
    expect(encodeTable(shuffled)).toEqual(encodeTable(table));
  });
});

describe("encoder refuses what no decoder would accept, naming the field", () => {
  const base = loadTableVectors().find((v) => v.file === "example.bin");
  if (base?.expect !== "accept") throw new Error("example.bin vector missing");
  const table = base.table;
  const upstream = table.services[0]!.upstreams[0]!;
  const cases: Array<[string, WeightTable, RegExp]> = [
    ["version 0", { ...table, version: 0n }, /version/],
    ["ttl 0", { ...table, ttlMs: 0 }, /ttlMs/],
    ["canary 10001", { ...table, canaryBp: 10_001 }, /canaryBp/],
    ["upper-case key", { ...table, services: [{ ...table.services[0]!, key: "Checkout" }] }, /services\[0\]\.key/],
    ["duplicate key", { ...table, services: [table.services[0]!, table.services[0]!] }, /duplicate key/],
    ["no upstreams", { ...table, services: [{ key: "a", upstreams: [] }] }, /services\[0\]\.upstreams/],
    ["bad name", { ...table, services: [{ key: "a", upstreams: [{ ...upstream, name: "a b" }] }] }, /upstreams\[0\]\.name/],
    ["negative weight", { ...table, services: [{ key: "a", upstreams: [{ ...upstream, weight: -1 }] }] }, /upstreams\[0\]\.weight/],
    ["NaN weight", { ...table, services: [{ key: "a", upstreams: [{ ...upstream, weight: Number.NaN }] }] }, /weight/],
    ["overflow", { ...table, services: [{ key: "a", upstreams: [
      { ...upstream, name: "x", weight: 0xffff_ffff }, { ...upstream, name: "y", weight: 1 },
    ] }] }, /sum/],
  ];
  for (const [name, bad, field] of cases) {
    it(name, () => {
      expect(() => encodeTable(bad)).toThrow(TableEncodeError);
      expect(() => encodeTable(bad)).toThrow(field);
    });
  }
});
