// The two signature algorithms, each derived from a 32-byte seed so one private key file format
// serves both: Ed25519 (RFC 8032) from node:crypto, ML-DSA-44 (FIPS 204) from @noble/post-quantum.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";

export const SEED_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
export const ML_DSA_44_SIGNATURE_BYTES = 2420;

// Pure ML-DSA with the empty context string (FIPS 204 §5.2); tlog-cosignature names no context.
const EMPTY_CONTEXT = new Uint8Array(0);
// DER headers that turn raw Ed25519 keys into PKCS #8 / SPKI (RFC 8410), which node:crypto imports.
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly sign: (message: Uint8Array) => Uint8Array;
}

export function ed25519FromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return {
    publicKey: new Uint8Array(spki.subarray(SPKI_ED25519.length)),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: "der", type: "spki" });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** ML-DSA.KeyGen_internal on the seed ξ (FIPS 204 Algorithm 6); signing is hedged (randomized). */
export function mlDsa44FromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const { publicKey, secretKey } = ml_dsa44.keygen(seed);
  return { publicKey, sign: (message) => ml_dsa44.sign(message, secretKey, { context: EMPTY_CONTEXT }) };
}

export function mlDsa44Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ML_DSA_44_SIGNATURE_BYTES) return false;
  try {
    return ml_dsa44.verify(signature, message, publicKey, { context: EMPTY_CONTEXT });
  } catch {
    return false;
  }
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) throw new RangeError(`seed is ${seed.length} bytes, expected ${SEED_BYTES}`);
}
