import { describe, expect, it } from "vitest";
import {
  KNOWN_VERSIONS_MAX, KNOWN_VERSIONS_MIN, KNOWN_VERSIONS_TTLS, KnownVersions,
} from "../../../controller/delivery/known-versions.js";

const TTL_MS = 1_000;

function range(from: number, count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => BigInt(from + i));
}

describe("known versions", () => {
  it("keeps every version younger than the TTL window", () => {
    let now = 0;
    const known = new KnownVersions(TTL_MS, () => now);
    for (const v of range(1, 500)) {
      known.add(v);
      now += 1; // 500 versions within half a second
    }
    expect(known.size).toBe(500);
    expect(known.has(1n)).toBe(true);
    expect(known.has(500n)).toBe(true);
    expect(known.has(501n)).toBe(false);
  });

  it("drops versions older than the window but always keeps the last ones", () => {
    let now = 0;
    const known = new KnownVersions(TTL_MS, () => now);
    for (const v of range(1, 100)) known.add(v);
    now = KNOWN_VERSIONS_TTLS * TTL_MS; // exactly at the edge: still kept
    expect(known.size).toBe(100);
    now += 1;
    expect(known.size).toBe(KNOWN_VERSIONS_MIN);
    expect(known.has(BigInt(100 - KNOWN_VERSIONS_MIN))).toBe(false);
    expect(known.has(BigInt(100 - KNOWN_VERSIONS_MIN + 1))).toBe(true);
    now += 1_000_000;
    expect(known.has(1n)).toBe(false);
    expect(known.has(100n)).toBe(true);
    expect(known.size).toBe(KNOWN_VERSIONS_MIN);
  });

  it("never holds more than the cap, losing the lowest versions first", () => {
    const known = new KnownVersions(TTL_MS, () => 0);
    for (const v of range(1, KNOWN_VERSIONS_MAX + 10)) known.add(v);
    expect(known.size).toBe(KNOWN_VERSIONS_MAX);
    expect(known.has(10n)).toBe(false);
    expect(known.has(11n)).toBe(true);
    expect(known.has(BigInt(KNOWN_VERSIONS_MAX + 10))).toBe(true);
  });

  it("takes many remembered versions in any order and keeps only the highest", () => {
    const known = new KnownVersions(TTL_MS, () => 0);
    known.add(5_000n);
    const history = range(1, 100_000).reverse();
    known.addAll([...history, 7n, 7n]);
    expect(known.size).toBe(KNOWN_VERSIONS_MAX);
    expect(known.has(5_000n)).toBe(false); // below the highest 1,024 of the history
    expect(known.has(100_000n)).toBe(true);
    expect(known.has(BigInt(100_000 - KNOWN_VERSIONS_MAX + 1))).toBe(true);
    expect(known.has(BigInt(100_000 - KNOWN_VERSIONS_MAX))).toBe(false);
  });

  it("places a version below the served ones in order, so pruning still drops the lowest", () => {
    let now = 0;
    const known = new KnownVersions(TTL_MS, () => now);
    for (const v of range(100, KNOWN_VERSIONS_MIN)) known.add(v);
    now = 10;
    known.add(50n);
    now = KNOWN_VERSIONS_TTLS * TTL_MS + 20;
    expect(known.has(50n)).toBe(false);
    expect(known.has(100n)).toBe(true);
    expect(known.size).toBe(KNOWN_VERSIONS_MIN);
  });
});
