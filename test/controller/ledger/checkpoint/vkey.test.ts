import { describe, expect, it } from "vitest";
import { SignerKey, parsePrivateKey } from "../../../../controller/ledger/checkpoint/keys.js";
import { ed25519Verify } from "../../../../controller/ledger/checkpoint/primitives.js";
import { parseSignedNote } from "../../../../controller/ledger/checkpoint/signed-note.js";
import { computeKeyId, formatVkey, parseVkey, SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";

// Vector 1: c2sp.org/signed-note, "Verifier keys" → "Example": the vkey and the note it verifies.
const SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE =
  "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
// Vector 2: golang.org/x/mod/sumdb/note, note_test.go (TestNewVerifier / TestNewSigner).
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

function rawKey(vkey: string): Uint8Array {
  return Buffer.from(vkey.split("+").slice(2).join("+"), "base64").subarray(1);
}

describe("key IDs and vkeys", () => {
  it("computes the key IDs of the published examples", () => {
    expect(computeKeyId("example.com/foo", SignatureType.Ed25519, rawKey(SPEC_VKEY))).toBe(0x530d903a);
    expect(computeKeyId("PeterNeumann", SignatureType.Ed25519, rawKey(GO_VKEY))).toBe(0xc74f20a3);
  });

  it("parses and reprints the published vkeys, and the spec's key verifies the spec's note", () => {
    for (const text of [SPEC_VKEY, GO_VKEY]) expect(formatVkey(parseVkey(text).value!)).toBe(text);
    const key = parseVkey(SPEC_VKEY).value!;
    const note = parseSignedNote(SPEC_NOTE).value!;
    const message = Buffer.from(note.text, "utf8");
    expect(ed25519Verify(key.publicKey, message, note.signatures[0]!.signature)).toBe(true);
    expect(ed25519Verify(key.publicKey, Buffer.from("This is an example message!\n"), note.signatures[0]!.signature)).toBe(false);
  });

  it("reads the Go signer key format and derives the matching vkey", () => {
    const signer = parsePrivateKey(GO_SKEY).value!;
    expect(formatVkey(signer.verifier)).toBe(GO_VKEY);
  });

  it("round-trips generated vkeys of both types", () => {
    for (const type of [SignatureType.Ed25519, SignatureType.MlDsa44Cosignature]) {
      const key = SignerKey.generate("solar.example/ledger", type).verifier;
      const text = formatVkey(key);
      expect(text).toMatch(/^solar\.example\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(text.split("+").slice(2).join("+"), "base64")[0]).toBe(type);
      expect(parseVkey(text).value).toEqual(key);
    }
  });

  it("refuses vkeys that are malformed, of an unknown type or with a wrong ID", () => {
    const err = (text: string) => parseVkey(text).error?.message ?? "";
    expect(err("example.com/foo+530d903a")).toMatch(/^vkey: expected/);
    expect(err("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).toMatch(/vkey.key_id: not 8 lowercase/);
    expect(err("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).toMatch(/vkey.key_id: is 530d903b, but the key's ID is 530d903a/);
    expect(err("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).toMatch(/vkey.key_id/);
    expect(err(" +530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).toMatch(/vkey.name/);
    // Go's test data: an unknown algorithm byte and a wrong-length key, each with its ID adjusted.
    expect(err("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toMatch(/vkey.type: signature type 0x65/);
    expect(err("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")).toMatch(/^vkey.key: /);
    const mlDsa = rawKey(formatVkey(SignerKey.generate("n", SignatureType.MlDsa44Cosignature).verifier));
    const asEd = Buffer.concat([Uint8Array.of(1), mlDsa]).toString("base64");
    expect(err(`n+${computeKeyId("n", 1, mlDsa).toString(16).padStart(8, "0")}+${asEd}`)).toMatch(/vkey.key: 1312 bytes, expected 32/);
  });
});
