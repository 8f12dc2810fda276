import { describe, expect, it } from "vitest";
import { HeaderMap, decodePairs, encodePairs } from "./header-map.js";
import { utf8 } from "./memory.js";

describe("HeaderMap", () => {
  it("lowercases keys and keeps insertion order", () => {
    const map = HeaderMap.from([["Content-Type", "text/plain"], ["X-A", "1"], ["x-b", "2"]]);
    expect(map.entries()).toEqual([["content-type", "text/plain"], ["x-a", "1"], ["x-b", "2"]]);
  });

  it("keeps pseudo-headers ahead of regular headers, as Envoy's HeaderMapImpl does", () => {
    const map = HeaderMap.from([["user-agent", "t"], [":path", "/"], ["accept", "*/*"], [":method", "GET"]]);
    expect(map.entries()).toEqual([[":path", "/"], [":method", "GET"], ["user-agent", "t"], ["accept", "*/*"]]);
    map.add(utf8(":authority"), utf8("a"));
    expect(map.entries().map(([k]) => k)).toEqual([":path", ":method", ":authority", "user-agent", "accept"]);
  });

  it("looks keys up case-insensitively and returns the first value", () => {
    const map = HeaderMap.from([["x-dup", "one"], ["X-Dup", "two"]]);
    expect(map.get("X-DUP")).toBe("one");
    expect(map.getAll("x-dup")).toEqual(["one", "two"]);
    expect(map.get("missing")).toBeUndefined();
  });

  it("replace drops every entry with the key and appends one (Envoy setCopy)", () => {
    const map = HeaderMap.from([["x-dup", "one"], ["a", "1"], ["x-dup", "two"]]);
    map.replace(utf8("x-dup"), utf8("three"));
    expect(map.entries()).toEqual([["a", "1"], ["x-dup", "three"]]);
  });

  it("remove drops every entry with the key, whatever its case", () => {
    const map = HeaderMap.from([["x-dup", "one"], ["a", "1"], ["x-dup", "two"]]);
    expect(map.remove(utf8("X-Dup"))).toBe(2);
    expect(map.entries()).toEqual([["a", "1"]]);
    expect(map.remove(utf8("nothing"))).toBe(0);
  });

  it("copyFrom resets a reused map to another's entries", () => {
    const template = HeaderMap.from([[":path", "/"], ["a", "1"]]);
    const work = new HeaderMap();
    work.copyFrom(template);
    work.add(utf8("b"), utf8("2"));
    work.remove(utf8(":path"));
    work.copyFrom(template);
    expect(work.entries()).toEqual([[":path", "/"], ["a", "1"]]);
    expect(template.entries()).toEqual([[":path", "/"], ["a", "1"]]);
  });

  it("reports Envoy's byte size and the serialized pairs size", () => {
    const map = HeaderMap.from([["a", "1"], ["bb", "22"]]);
    expect(map.byteSize()).toBe(6);
    expect(map.serializedSize()).toBe(4 + 2 * 8 + (1 + 1 + 1 + 1) + (2 + 1 + 2 + 1));
  });
});

describe("serialized pairs", () => {
  it("encodes the spec's example map", () => {
    const bytes = encodePairs([["a", "1"], ["b", "22"]]);
    expect([...bytes]).toEqual([
      2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
      0x61, 0, 0x31, 0, 0x62, 0, 0x32, 0x32, 0,
    ]);
    expect(decodePairs(bytes)).toEqual([["a", "1"], ["b", "22"]]);
  });

  it("round-trips a map through serializeInto", () => {
    const map = HeaderMap.from([[":status", "200"], ["x-é", "ü"]]);
    const out = new Uint8Array(map.serializedSize());
    map.serializeInto(out, new DataView(out.buffer), 0);
    expect(decodePairs(out)).toEqual([[":status", "200"], ["x-é", "ü"]]);
  });

  it("decodes malformed input as no pairs, as cpp-host does", () => {
    const good = encodePairs([["a", "1"]]);
    expect(decodePairs(good.subarray(0, good.length - 1))).toEqual([]);
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(decodePairs(trailing)).toEqual([]);
    const noNul = good.slice();
    noNul[good.length - 1] = 0x41;
    expect(decodePairs(noNul)).toEqual([]);
    expect(decodePairs(new Uint8Array(0))).toEqual([]);
  });
});
