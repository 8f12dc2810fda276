import { createPublicKey, verify } from "node:crypto";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parsePrivateKey, SignerKey } from "../../../../controller/ledger/checkpoint/keys.js";
import { SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";
import { seed } from "./fixed-keys.js";

const both = [SignatureType.Ed25519, SignatureType.MlDsa44Cosignature];

describe("signer keys", () => {
  it("round-trip through the private key line, which names the type and key ID", () => {
    for (const type of both) {
      const key = SignerKey.generate("solar.example/ledger", type);
      const line = key.exportPrivateKey();
      expect(line.startsWith(`PRIVATE+KEY+solar.example/ledger+${key.keyId.toString(16).padStart(8, "0")}+`)).toBe(true);
      expect(Buffer.from(line.split("+").slice(4).join("+"), "base64")).toHaveLength(33);
      const back = parsePrivateKey(line + "\n").value!;
      expect(back.verifier).toEqual(key.verifier);
      expect(back.exportPrivateKey()).toBe(line);
    }
  });

  it("derive the same key pair from the same seed", () => {
    for (const type of both) {
      expect(SignerKey.fromSeed("n", type, seed(7)).verifier).toEqual(SignerKey.fromSeed("n", type, seed(7)).verifier);
      expect(SignerKey.fromSeed("n", type, seed(7)).verifier).not.toEqual(SignerKey.fromSeed("n", type, seed(8)).verifier);
    }
    const { publicKey } = ml_dsa44.keygen(seed(7));
    expect(SignerKey.fromSeed("n", SignatureType.MlDsa44Cosignature, seed(7)).verifier.publicKey).toEqual(publicKey);
  });

  it("make Ed25519 signatures that node:crypto verifies on its own", () => {
    const key = SignerKey.fromSeed("n", SignatureType.Ed25519, seed(3));
    const message = Buffer.from("hello\n");
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(key.verifier.publicKey).toString("base64url") }, format: "jwk" });
    expect(verify(null, message, publicKey, key.sign(message))).toBe(true);
    expect(verify(null, Buffer.from("hellO\n"), publicKey, key.sign(message))).toBe(false);
  });

  it("make ML-DSA-44 signatures with the empty FIPS 204 context", () => {
    const key = SignerKey.fromSeed("n", SignatureType.MlDsa44Cosignature, seed(4));
    const message = Buffer.from("hello\n");
    const signature = key.sign(message);
    expect(signature).toHaveLength(2420);
    expect(ml_dsa44.verify(signature, message, key.verifier.publicKey)).toBe(true);
    expect(ml_dsa44.verify(signature, message, key.verifier.publicKey, { context: Uint8Array.of(0) })).toBe(false);
  });

  it("never show the seed in strings, JSON, inspect or log lines", () => {
    for (const type of both) {
      const key = SignerKey.fromSeed("n", type, seed(0xab));
      const secretB64 = key.exportPrivateKey().split("+").slice(4).join("+");
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
      pino({ level: "info" }, sink).info({ key, nested: { keys: [key] } }, `loaded ${key}`);
      const shown = [String(key), `${key}`, JSON.stringify(key), JSON.stringify({ key }), inspect(key, { showHidden: true, depth: 9 }), inspect({ key }), lines.join("")];
      for (const text of shown) {
        expect(text).toContain("redacted");
        expect(text).not.toContain(secretB64);
        expect(text).not.toContain(Buffer.from(seed(0xab)).toString("base64"));
        expect(text).not.toContain("abababab");
        expect(text).not.toMatch(/171, 171/);
      }
    }
  });

  it("refuse bad private key lines without echoing them", () => {
    const good = SignerKey.fromSeed("n", SignatureType.Ed25519, seed(5)).exportPrivateKey();
    const err = (text: string) => parsePrivateKey(text).error?.message ?? "";
    expect(err(good.replace("PRIVATE+KEY+", ""))).toMatch(/does not start with PRIVATE\+KEY\+/);
    expect(err("PRIVATE+KEY+n+abc")).toMatch(/expected PRIVATE\+KEY/);
    const [, , name, id, material] = good.split("+", 5) as [string, string, string, string, string];
    const wrongId = (parseInt(id, 16) ^ 1).toString(16).padStart(8, "0");
    expect(err(`PRIVATE+KEY+${name}+${wrongId}+${good.split("+").slice(4).join("+")}`)).toMatch(/does not match the key/);
    expect(err(`PRIVATE+KEY+other+${id}+${good.split("+").slice(4).join("+")}`)).toMatch(/does not match the key/);
    expect(err(`PRIVATE+KEY+${name}+${id}+AQID`)).toMatch(/32-byte seed/);
    const unknownType = Buffer.concat([Uint8Array.of(0x04), seed(5)]).toString("base64");
    expect(err(`PRIVATE+KEY+${name}+${id}+${unknownType}`)).toMatch(/signature type 0x04 is not supported/);
    expect(err(good)).toBe("");
    for (const message of [err(`PRIVATE+KEY+other+${id}+${material}`)]) expect(message).not.toContain(material);
  });
});
