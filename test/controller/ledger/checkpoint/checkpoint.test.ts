import { describe, expect, it } from "vitest";
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from "../../../../controller/ledger/checkpoint/checkpoint.js";

// The example body from c2sp.org/tlog-checkpoint.
const SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

const checkpoint: Checkpoint = {
  origin: "solar.example/ledger",
  size: 42n,
  rootHash: new Uint8Array(32).map((_, i) => i * 7),
  extensions: [],
};

function errorOf(text: string): string {
  const parsed = parseCheckpoint(text);
  expect(parsed.value).toBeUndefined();
  return parsed.error!.message;
}

describe("checkpoint body", () => {
  it("parses the spec's example", () => {
    const parsed = parseCheckpoint(SPEC_BODY).value!;
    expect(parsed.origin).toBe("example.com/behind-the-sofa");
    expect(parsed.size).toBe(20852163n);
    expect(Buffer.from(parsed.rootHash).toString("hex")).toBe("0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
    expect(formatCheckpoint(parsed)).toBe(SPEC_BODY);
  });

  it("round-trips, with and without extension lines", () => {
    expect(parseCheckpoint(formatCheckpoint(checkpoint)).value).toEqual(checkpoint);
    const extended = { ...checkpoint, extensions: ["ext one", "— two"] };
    expect(parseCheckpoint(formatCheckpoint(extended)).value).toEqual(extended);
    const empty = { ...checkpoint, size: 0n };
    expect(formatCheckpoint(empty).split("\n")[1]).toBe("0");
    const largest = { ...checkpoint, size: (1n << 64n) - 1n };
    expect(parseCheckpoint(formatCheckpoint(largest)).value?.size).toBe(largest.size);
  });

  it("refuses each malformed field, naming it", () => {
    const hash = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    expect(errorOf("o\n1\n" + hash)).toMatch(/checkpoint.text: does not end in a newline/);
    expect(errorOf("o\n1\n")).toMatch(/checkpoint.text: 2 lines/);
    expect(errorOf(`\n1\n${hash}\n`)).toMatch(/checkpoint.origin: empty/);
    expect(errorOf(`${"o".repeat(256)}\n1\n${hash}\n`)).toMatch(/checkpoint.origin: 256 bytes/);
    expect(errorOf(`o\t\n1\n${hash}\n`)).toMatch(/checkpoint.origin: contains a control/);
    for (const size of ["01", "-1", "+1", "1.0", " 1", "", "0x10", "1e3"]) {
      expect(errorOf(`o\n${size}\n${hash}\n`)).toMatch(/checkpoint.size: not a decimal/);
    }
    expect(errorOf(`o\n18446744073709551616\n${hash}\n`)).toMatch(/checkpoint.size: outside/);
    expect(errorOf("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n")).toMatch(/checkpoint.root_hash: not canonical/);
    expect(errorOf("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n")).toMatch(/checkpoint.root_hash: not canonical/);
    expect(errorOf("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n")).toMatch(/checkpoint.root_hash: not canonical/);
    expect(errorOf("o\n1\nAAAA\n")).toMatch(/checkpoint.root_hash: 3 bytes, expected 32/);
    expect(errorOf(`o\n1\n${hash}\n\n`)).toMatch(/checkpoint.extensions\[0\]: empty/);
    expect(errorOf(`o\n1\n${hash}\nfine\n\n`)).toMatch(/checkpoint.extensions\[1\]: empty/);
  });

  it("refuses to format a checkpoint it could not parse back", () => {
    expect(() => formatCheckpoint({ ...checkpoint, origin: "" })).toThrow(/origin/);
    expect(() => formatCheckpoint({ ...checkpoint, size: -1n })).toThrow(/size/);
    expect(() => formatCheckpoint({ ...checkpoint, rootHash: new Uint8Array(31) })).toThrow(/root_hash/);
    expect(() => formatCheckpoint({ ...checkpoint, extensions: ["a\nb"] })).toThrow(/extensions\[0\]/);
  });
});
