import { createPublicKey, verify } from "node:crypto";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { describe, expect, it } from "vitest";
import { formatCheckpoint } from "../../../../controller/ledger/checkpoint/checkpoint.js";
import { signCheckpoint } from "../../../../controller/ledger/checkpoint/sign.js";
import { parseSignedNote } from "../../../../controller/ledger/checkpoint/signed-note.js";
import { checkpoint, keys, NOW, ORIGIN } from "./fixed-keys.js";

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

// Built here byte by byte from c2sp.org/tlog-cosignature ("ML-DSA-44 signed message"), not
// with the module's own builder, so the test checks the layout rather than repeating it.
function specCosignedMessage(name: string, timestamp: bigint): Buffer {
  return Buffer.concat([
    Buffer.from("subtree/v1\n\0", "latin1"),
    Buffer.of(Buffer.byteLength(name)), Buffer.from(name),
    u64(timestamp),
    Buffer.of(Buffer.byteLength(ORIGIN)), Buffer.from(ORIGIN),
    u64(0n), u64(checkpoint.size),
    checkpoint.rootHash,
  ]);
}

describe("signing a checkpoint", () => {
  const note = signCheckpoint(checkpoint, keys, NOW);
  const parsed = parseSignedNote(note).value!;

  it("writes the checkpoint text, a blank line and two signature lines", () => {
    expect(parsed.text).toBe(formatCheckpoint(checkpoint));
    expect(note.startsWith(formatCheckpoint(checkpoint) + "\n\u2014 ")).toBe(true);
    expect(parsed.signatures.map((s) => [s.name, s.keyId])).toEqual([
      [ORIGIN, keys.ed25519.keyId],
      [ORIGIN, keys.mlDsa44.keyId],
    ]);
    expect(parsed.signatures[0]!.signature).toHaveLength(64);
    expect(parsed.signatures[1]!.signature).toHaveLength(8 + 2420);
  });

  it("makes an Ed25519 line over the note text that node:crypto verifies", () => {
    const x = Buffer.from(keys.ed25519.verifier.publicKey).toString("base64url");
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
    expect(verify(null, Buffer.from(parsed.text), publicKey, parsed.signatures[0]!.signature)).toBe(true);
  });

  it("makes an ML-DSA-44 timestamped cosignature over the spec's cosigned_message", () => {
    const line = Buffer.from(parsed.signatures[1]!.signature);
    expect(line.readBigUInt64BE(0)).toBe(BigInt(NOW));
    const message = specCosignedMessage(ORIGIN, BigInt(NOW));
    expect(ml_dsa44.verify(line.subarray(8), message, keys.mlDsa44.verifier.publicKey)).toBe(true);
    expect(ml_dsa44.verify(line.subarray(8), specCosignedMessage(ORIGIN, BigInt(NOW + 1)), keys.mlDsa44.verifier.publicKey)).toBe(false);
  });

  it("refuses swapped keys and a bad timestamp", () => {
    expect(() => signCheckpoint(checkpoint, { ed25519: keys.mlDsa44, mlDsa44: keys.ed25519 }, NOW)).toThrow(TypeError);
    expect(() => signCheckpoint(checkpoint, keys, 0)).toThrow(RangeError);
    expect(() => signCheckpoint(checkpoint, keys, 1.5)).toThrow(RangeError);
  });
});
