import { describe, expect, it } from "vitest";
import { MAX_ENTRY_BYTES, encodeBundle, parseBundle } from "../../../../controller/ledger/log/bundle.js";

describe("entry bundles", () => {
  it("prefixes each entry with its uint16 big-endian length", () => {
    const bundle = encodeBundle([Uint8Array.of(7), new Uint8Array(0), new Uint8Array(0x0102).fill(9)]);
    expect([...bundle.subarray(0, 5)]).toEqual([0, 1, 7, 0, 0]);
    expect([...bundle.subarray(5, 7)]).toEqual([1, 2]);
    expect(bundle.length).toBe(3 + 2 + 2 + 0x0102);
  });

  it("parses back what it encodes, including the largest entry", () => {
    const entries = [new Uint8Array(MAX_ENTRY_BYTES).fill(1), Uint8Array.of(1, 2, 3), new Uint8Array(0)];
    const parsed = parseBundle(encodeBundle(entries), 3);
    expect(parsed.value?.map((e) => e.length)).toEqual([MAX_ENTRY_BYTES, 3, 0]);
  });

  it("refuses entries too large for the prefix", () => {
    expect(() => encodeBundle([new Uint8Array(MAX_ENTRY_BYTES + 1)])).toThrow(RangeError);
  });

  it("refuses truncated bundles and the wrong count", () => {
    const bytes = encodeBundle([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect(parseBundle(bytes.subarray(0, bytes.length - 1)).error?.message).toMatch(/runs past the end/);
    expect(parseBundle(Uint8Array.of(0)).error?.message).toMatch(/truncated length prefix/);
    expect(parseBundle(bytes, 3).error?.message).toMatch(/holds 2 entries, expected 3/);
  });
});
