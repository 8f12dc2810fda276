import { describe, expect, it } from "vitest";
import {
  formatSignedNote,
  isValidKeyName,
  MAX_SIGNATURES,
  parseSignedNote,
  type SignedNote,
} from "../../../../controller/ledger/checkpoint/signed-note.js";

// The example note in c2sp.org/signed-note ("Verifier keys" → "Example").
const SPEC_NOTE =
  "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

const note: SignedNote = {
  text: "line one\n\nline three after an empty line\n",
  signatures: [
    { name: "a.example/k1", keyId: 0x01020304, signature: Uint8Array.of(9, 8, 7) },
    { name: "b.example/k2", keyId: 0xfffffffe, signature: new Uint8Array(2432).fill(5) },
  ],
};

function errorOf(input: string | Uint8Array): string {
  const parsed = parseSignedNote(input);
  expect(parsed.value).toBeUndefined();
  return parsed.error!.message;
}

describe("signed note framing", () => {
  it("parses the spec's example note", () => {
    const parsed = parseSignedNote(SPEC_NOTE).value!;
    expect(parsed.text).toBe("This is an example message.\n");
    expect(parsed.signatures).toHaveLength(1);
    expect(parsed.signatures[0]!.name).toBe("example.com/foo");
    expect(parsed.signatures[0]!.keyId).toBe(0x530d903a);
    expect(parsed.signatures[0]!.signature).toHaveLength(64);
    expect(formatSignedNote(parsed)).toBe(SPEC_NOTE);
  });

  it("round-trips; the text keeps its own empty lines and ends at the last blank line", () => {
    const text = formatSignedNote(note);
    expect(text).toContain("line three after an empty line\n\n\u2014 a.example/k1 AQIDBAkIBw==\n");
    const parsed = parseSignedNote(text).value!;
    expect(parsed.text).toBe(note.text);
    expect(parsed.signatures.map((s) => [s.name, s.keyId, Buffer.from(s.signature).toString("hex")])).toEqual(
      note.signatures.map((s) => [s.name, s.keyId, Buffer.from(s.signature).toString("hex")]),
    );
    expect(parseSignedNote(Buffer.from(text, "utf8")).value?.text).toBe(note.text);
  });

  it("accepts the spec's minimum of 16 signatures and refuses more than its limit", () => {
    const many = (n: number) => ({ text: "t\n", signatures: Array.from({ length: n }, (_, i) => ({ name: `w${i}`, keyId: i, signature: Uint8Array.of(i) })) });
    expect(parseSignedNote(formatSignedNote(many(16))).value?.signatures).toHaveLength(16);
    expect(parseSignedNote(formatSignedNote(many(MAX_SIGNATURES))).value?.signatures).toHaveLength(MAX_SIGNATURES);
    expect(errorOf(formatSignedNote(many(MAX_SIGNATURES + 1)))).toMatch(/note.signatures: 33 lines, at most 32/);
  });

  it("refuses malformed notes, saying what is wrong", () => {
    const line = "— k AQIDBAU=\n";
    expect(errorOf("text\n" + line)).toMatch(/no blank line/);
    expect(errorOf("text\n\n")).toMatch(/note.signatures: missing/);
    expect(errorOf("text\n\n— k AQIDBAU=")).toMatch(/does not end in a newline/);
    expect(errorOf("text\n\n- k AQIDBAU=\n")).toMatch(/signatures\[0\]: does not start with an em dash/);
    expect(errorOf("text\n\n—k AQIDBAU=\n")).toMatch(/signatures\[0\]: does not start with an em dash/);
    expect(errorOf("text\n\n— kAQIDBAU=\n")).toMatch(/signatures\[0\]: no space/);
    expect(errorOf("text\n\n— k+1 AQIDBAU=\n")).toMatch(/signatures\[0\]: key name/);
    expect(errorOf("text\n\n—  AQIDBAU=\n")).toMatch(/signatures\[0\]: key name/);
    expect(errorOf("text\n\n— k\u00a0x AQIDBAU=\n")).toMatch(/signatures\[0\]: no space|key name/);
    expect(errorOf("text\n\n— k AQIDBAU\n")).toMatch(/signatures\[0\]: signature is not canonical/);
    expect(errorOf("text\n\n— k AQIDBAU= \n")).toMatch(/signatures\[0\]: signature is not canonical/);
    expect(errorOf("text\n\n— k AQIDBA==\n")).toMatch(/signatures\[0\]: signature is 4 bytes/);
    // A blank line inside the signatures moves the split: what is above it becomes text.
    expect(parseSignedNote("text\n\n" + line + "\n" + line).value?.text).toBe("text\n\n" + line);
    expect(errorOf("te\rxt\n\n" + line)).toMatch(/control character/);
    expect(errorOf("te\u0000xt\n\n" + line)).toMatch(/control character/);
    expect(errorOf(Buffer.concat([Buffer.from("te"), Buffer.of(0xff), Buffer.from("xt\n\n" + line)]))).toMatch(/not valid UTF-8/);
    expect(errorOf("te\ud800xt\n\n" + line)).toMatch(/not valid UTF-8/);
    expect(errorOf("x".repeat(300 * 1024) + "\n\n" + line)).toMatch(/at most/);
  });

  it("checks key names as the spec defines them", () => {
    expect(isValidKeyName("example.com/log42")).toBe(true);
    expect(isValidKeyName("oid/1.3.6.1.4.1")).toBe(true);
    for (const bad of ["", "a b", "a+b", "a\tb", "a\u2003b", "a\u3000b", "a\u0085b"]) expect(isValidKeyName(bad)).toBe(false);
  });

  it("refuses to format a note it could not parse back", () => {
    expect(() => formatSignedNote({ ...note, text: "no newline" })).toThrow(/note.text/);
    expect(() => formatSignedNote({ ...note, signatures: [] })).toThrow(/note.signatures/);
    expect(() => formatSignedNote({ ...note, signatures: [{ name: "a b", keyId: 1, signature: Uint8Array.of(1) }] })).toThrow(/name/);
  });
});
