import { describe, expect, it } from "vitest";
import { Code } from "../../../../controller/errors/controller-error.js";
import { encodeTimestampedSignature } from "../../../../controller/ledger/checkpoint/cosignature.js";
import { SignerKey } from "../../../../controller/ledger/checkpoint/keys.js";
import { signCheckpoint } from "../../../../controller/ledger/checkpoint/sign.js";
import { formatSignedNote, parseSignedNote, type NoteSignature } from "../../../../controller/ledger/checkpoint/signed-note.js";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";
import { checkpoint, keys, NOW, ORIGIN, seed, trusted } from "./fixed-keys.js";

const note = signCheckpoint(checkpoint, keys, NOW);
const { text, signatures } = parseSignedNote(note).value!;
const [edLine, mlLine] = signatures as [NoteSignature, NoteSignature];

function reframe(lines: NoteSignature[]): string {
  return formatSignedNote({ text, signatures: lines });
}

function errorOf(input: string | Uint8Array, now = NOW): { code: string; message: string } {
  const result = verifyCheckpoint(input, trusted, { nowSeconds: now });
  expect(result.value).toBeUndefined();
  return { code: result.error!.code, message: result.error!.message };
}

describe("verifying a signed checkpoint", () => {
  it("returns the checkpoint and the cosignature time", () => {
    const result = verifyCheckpoint(note, trusted, { nowSeconds: NOW }).value!;
    expect(result.checkpoint).toEqual(checkpoint);
    expect(result.cosignedAt).toBe(BigInt(NOW));
    expect(verifyCheckpoint(Buffer.from(note), trusted, { nowSeconds: NOW }).value?.checkpoint).toEqual(checkpoint);
  });

  it("fails after any byte of the note is changed or removed", () => {
    const bytes = Buffer.from(note, "utf8");
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] = flipped[i]! ^ 0x01;
      expect(verifyCheckpoint(flipped, trusted, { nowSeconds: NOW }).error, `flip at ${i}`).toBeDefined();
    }
    for (let i = 0; i < bytes.length; i++) {
      const shorter = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      expect(verifyCheckpoint(shorter, trusted, { nowSeconds: NOW }).error, `delete at ${i}`).toBeDefined();
    }
  }, 120_000);

  it("ignores lines from unknown keys, even ones sharing the name or the key ID", () => {
    const witness = SignerKey.fromSeed("witness.example/w1", SignatureType.Ed25519, seed(20));
    const extra: NoteSignature[] = [
      { name: witness.name, keyId: witness.keyId, signature: witness.sign(Buffer.from(text)) },
      { name: ORIGIN, keyId: (edLine.keyId ^ 0xff) >>> 0, signature: new Uint8Array(64) },
      { name: "other.example", keyId: mlLine.keyId, signature: Uint8Array.of(1, 2, 3) },
    ];
    for (const lines of [[...extra, edLine, mlLine], [edLine, ...extra, mlLine], [mlLine, edLine, ...extra]]) {
      expect(verifyCheckpoint(reframe(lines), trusted, { nowSeconds: NOW }).value?.checkpoint).toEqual(checkpoint);
    }
  });

  it("requires both signatures", () => {
    expect(errorOf(reframe([edLine]))).toEqual({ code: Code.Unauthenticated, message: `note.signatures: no signature from ${ORIGIN} (ML-DSA-44)` });
    expect(errorOf(reframe([mlLine]))).toEqual({ code: Code.Unauthenticated, message: `note.signatures: no signature from ${ORIGIN} (Ed25519)` });
    const stranger = SignerKey.fromSeed("x.example", SignatureType.Ed25519, seed(21));
    expect(errorOf(reframe([{ name: stranger.name, keyId: stranger.keyId, signature: stranger.sign(Buffer.from(text)) }])).code).toBe(Code.Unauthenticated);
  });

  it("refuses a repeated, malformed or invalid line from a known key", () => {
    expect(errorOf(reframe([edLine, mlLine, edLine])).message).toMatch(/signatures\[2\]: second signature from the Ed25519 key/);
    expect(errorOf(reframe([edLine, mlLine, mlLine])).message).toMatch(/signatures\[2\]: second signature from the ML-DSA-44 key/);
    expect(errorOf(reframe([{ ...edLine, signature: edLine.signature.subarray(0, 63) }, mlLine])).message).toMatch(/Ed25519 signature does not verify/);
    expect(errorOf(reframe([edLine, { ...mlLine, signature: mlLine.signature.subarray(0, 100) }])).message).toMatch(/signatures\[1\]: 100 bytes, expected 2428/);
    expect(errorOf(reframe([edLine, { ...mlLine, signature: mlLine.signature.subarray(8) }])).message).toMatch(/2420 bytes, expected 2428/);
  });

  it("checks the cosignature timestamp", () => {
    const restamped = (timestamp: bigint): string => {
      const signature = encodeTimestampedSignature({ timestamp, signature: mlLine.signature.subarray(8) });
      return reframe([edLine, { ...mlLine, signature }]);
    };
    // The signature covers the timestamp: changing it breaks the signature.
    expect(errorOf(restamped(BigInt(NOW - 1))).message).toMatch(/ML-DSA-44 cosignature does not verify/);
    expect(errorOf(restamped(0n)).message).toMatch(/timestamp is zero/);
    const over = Buffer.from(mlLine.signature);
    over.writeBigUInt64BE(1n << 63n, 0);
    expect(errorOf(reframe([edLine, { ...mlLine, signature: over }])).message).toMatch(/exceeds 2\^63-1/);
    // Signed by a clock ahead of ours: fine within the skew, refused beyond it.
    const ahead = signCheckpoint(checkpoint, keys, NOW + 30);
    expect(verifyCheckpoint(ahead, trusted, { nowSeconds: NOW }).value?.cosignedAt).toBe(BigInt(NOW + 30));
    expect(errorOf(signCheckpoint(checkpoint, keys, NOW + 61)).message).toMatch(/timestamp \d+ is in the future/);
    expect(verifyCheckpoint(ahead, trusted, { nowSeconds: NOW, maxFutureSkewSeconds: 10 }).error?.message).toMatch(/is in the future/);
  });

  it("refuses a checkpoint from another origin and a body that is not a checkpoint", () => {
    const elsewhere = signCheckpoint({ ...checkpoint, origin: "other.example/log" }, keys, NOW);
    expect(errorOf(elsewhere).message).toMatch(/checkpoint.origin: is "other.example\/log", expected "solar.example\/ledger"/);
    expect(errorOf(formatSignedNote({ text: "just text\n", signatures })).message).toMatch(/checkpoint.text: 1 lines/);
  });

  it("covers extension lines with the Ed25519 signature", () => {
    const extended = signCheckpoint({ ...checkpoint, extensions: ["note: hello"] }, keys, NOW);
    expect(verifyCheckpoint(extended, trusted, { nowSeconds: NOW }).value?.checkpoint.extensions).toEqual(["note: hello"]);
    expect(errorOf(extended.replace("note: hello", "note: hellO")).message).toMatch(/Ed25519 signature does not verify/);
  });
});
