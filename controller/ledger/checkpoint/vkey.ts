// Verifier keys: the key ID rule of c2sp.org/signed-note and the vkey text form
// "<name>+<hex key ID>+<base64(type || public key)>" that operators paste into configs.
import { createHash } from "node:crypto";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { fromBase64, toBase64 } from "./checkpoint.js";
import { isValidKeyName } from "./signed-note.js";

/** Signature type bytes assigned in c2sp.org/signed-note ("Signature types"). */
export enum SignatureType {
  /** Ed25519 over the note text. */
  Ed25519 = 0x01,
  /** Timestamped ML-DSA-44 (sub)tree cosignature, c2sp.org/tlog-cosignature. */
  MlDsa44Cosignature = 0x06,
}

export const PUBLIC_KEY_BYTES: Readonly<Record<SignatureType, number>> = {
  [SignatureType.Ed25519]: 32,
  [SignatureType.MlDsa44Cosignature]: 1312,
};

export interface VerifierKey {
  readonly name: string;
  readonly type: SignatureType;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

/** First four bytes, big-endian, of SHA-256(name || 0x0A || type || public key). */
export function computeKeyId(name: string, type: SignatureType, publicKey: Uint8Array): number {
  const digest = createHash("sha256").update(name, "utf8").update(Uint8Array.of(0x0a, type)).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

export function keyIdHex(keyId: number): string {
  return (keyId >>> 0).toString(16).padStart(8, "0");
}

export function isSignatureType(byte: number): byte is SignatureType {
  return byte === SignatureType.Ed25519 || byte === SignatureType.MlDsa44Cosignature;
}

/** Builds a verifier key, computing its ID; throws on a bad name or key length (caller bug). */
export function verifierKey(name: string, type: SignatureType, publicKey: Uint8Array): VerifierKey {
  const problem = checkKey("vkey", name, type, publicKey);
  if (problem) throw problem;
  return { name, type, keyId: computeKeyId(name, type, publicKey), publicKey: Uint8Array.from(publicKey) };
}

export function formatVkey(key: VerifierKey): string {
  const material = new Uint8Array(1 + key.publicKey.length);
  material[0] = key.type;
  material.set(key.publicKey, 1);
  return `${key.name}+${keyIdHex(key.keyId)}+${toBase64(material)}`;
}

/** Strict parse of a vkey: known type, right key length, and the key ID must match the key. */
export function parseVkey(text: string): Parsed<VerifierKey> {
  const parts = splitKeyFields(text.trim());
  if (!parts) return refuse("vkey", "expected <name>+<hex key ID>+<base64 key>");
  const [name, idHex, keyText] = parts;
  if (!/^[0-9a-f]{8}$/.test(idHex)) return refuse("vkey.key_id", "not 8 lowercase hex digits");
  const material = fromBase64(keyText);
  if (!material || material.length < 2) return refuse("vkey.key", "not canonical base64 of a type byte and a key");
  const type = material[0]!;
  if (!isSignatureType(type)) return refuse("vkey.type", `signature type 0x${type.toString(16).padStart(2, "0")} is not supported`);
  const publicKey = material.subarray(1);
  const problem = checkKey("vkey", name, type, publicKey);
  if (problem) return { error: problem };
  const keyId = computeKeyId(name, type, publicKey);
  if (keyIdHex(keyId) !== idHex) return refuse("vkey.key_id", `is ${idHex}, but the key's ID is ${keyIdHex(keyId)}`);
  return { value: { name, type, keyId, publicKey: Uint8Array.from(publicKey) } };
}

/** Name and key ID end at the first two "+"; the base64 key may itself contain "+". */
export function splitKeyFields(text: string): [string, string, string] | undefined {
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) return undefined;
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

export function checkKey(field: string, name: string, type: SignatureType, publicKey: Uint8Array): ControllerError | undefined {
  if (!isValidKeyName(name)) return ControllerError.invalid(`${field}.name`, "empty, or contains white space or '+'");
  // The ML-DSA-44 cosigned message carries the cosigner name behind a uint8 length.
  if (type === SignatureType.MlDsa44Cosignature && Buffer.byteLength(name, "utf8") > 255) {
    return ControllerError.invalid(`${field}.name`, "longer than 255 bytes");
  }
  const want = PUBLIC_KEY_BYTES[type];
  if (publicKey.length !== want) return ControllerError.invalid(`${field}.key`, `${publicKey.length} bytes, expected ${want}`);
  return undefined;
}

function refuse(field: string, message: string): Parsed<VerifierKey> {
  return { error: ControllerError.invalid(field, message) };
}
