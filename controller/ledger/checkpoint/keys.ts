// The log's signing keys. A private key is kept as one line of text,
//   PRIVATE+KEY+<name>+<hex key ID>+<base64(type byte || 32-byte seed)>
// which for Ed25519 is the signer key format of golang.org/x/mod/sumdb/note; for ML-DSA-44 the
// seed is FIPS 204's ξ. Key objects never print their seed: toString, toJSON and inspect redact.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { fromBase64, toBase64 } from "./checkpoint.js";
import { ed25519FromSeed, mlDsa44FromSeed, SEED_BYTES, type KeyPair } from "./primitives.js";
import { isSignatureType, keyIdHex, SignatureType, splitKeyFields, verifierKey, type VerifierKey } from "./vkey.js";

const PRIVATE_PREFIX = "PRIVATE+KEY+";

export class SignerKey {
  readonly #seed: Uint8Array;
  readonly #pair: KeyPair;
  readonly verifier: VerifierKey;

  private constructor(name: string, type: SignatureType, seed: Uint8Array) {
    this.#seed = Uint8Array.from(seed);
    this.#pair = type === SignatureType.Ed25519 ? ed25519FromSeed(seed) : mlDsa44FromSeed(seed);
    this.verifier = verifierKey(name, type, this.#pair.publicKey);
  }

  /** Derives the key pair for `type` from a 32-byte seed; throws on a bad name or seed length. */
  static fromSeed(name: string, type: SignatureType, seed: Uint8Array): SignerKey {
    return new SignerKey(name, type, seed);
  }

  static generate(name: string, type: SignatureType): SignerKey {
    return SignerKey.fromSeed(name, type, randomBytes(SEED_BYTES));
  }

  get name(): string {
    return this.verifier.name;
  }

  get type(): SignatureType {
    return this.verifier.type;
  }

  get keyId(): number {
    return this.verifier.keyId;
  }

  /** The algorithm's raw signature over `message` (no key ID, no timestamp). */
  sign(message: Uint8Array): Uint8Array {
    return this.#pair.sign(message);
  }

  /** The private key line for a key file or Secret. The only way the seed leaves this object. */
  exportPrivateKey(): string {
    const material = new Uint8Array(1 + SEED_BYTES);
    material[0] = this.type;
    material.set(this.#seed, 1);
    return `${PRIVATE_PREFIX}${this.name}+${keyIdHex(this.keyId)}+${toBase64(material)}`;
  }

  #describe(): string {
    return `SignerKey(${this.name}+${keyIdHex(this.keyId)}, type 0x${this.type.toString(16).padStart(2, "0")}, private key redacted)`;
  }

  toString(): string {
    return this.#describe();
  }

  toJSON(): { name: string; keyId: string; type: number; privateKey: string } {
    return { name: this.name, keyId: keyIdHex(this.keyId), type: this.type, privateKey: "[redacted]" };
  }

  [inspect.custom](): string {
    return this.#describe();
  }
}

/**
 * Parses a private key line. Errors never quote the input, which holds the seed. The key ID in
 * the line must match the derived public key, which catches a seed pasted under the wrong name.
 */
export function parsePrivateKey(text: string, field = "private_key"): Parsed<SignerKey> {
  const refuse = (message: string): Parsed<SignerKey> => ({ error: ControllerError.invalid(field, message) });
  const line = text.trim();
  if (!line.startsWith(PRIVATE_PREFIX)) return refuse("does not start with PRIVATE+KEY+");
  const parts = splitKeyFields(line.slice(PRIVATE_PREFIX.length));
  if (!parts) return refuse("expected PRIVATE+KEY+<name>+<hex key ID>+<base64 key>");
  const [name, idHex, keyText] = parts;
  if (!/^[0-9a-f]{8}$/.test(idHex)) return refuse("key ID is not 8 lowercase hex digits");
  const material = fromBase64(keyText);
  if (!material || material.length !== 1 + SEED_BYTES) return refuse("key is not base64 of a type byte and a 32-byte seed");
  const type = material[0]!;
  if (!isSignatureType(type)) return refuse(`signature type 0x${type.toString(16).padStart(2, "0")} is not supported`);
  let key: SignerKey;
  try {
    key = SignerKey.fromSeed(name, type, material.subarray(1));
  } catch (e) {
    if (e instanceof ControllerError) return refuse(e.message);
    throw e;
  } finally {
    material.fill(0);
  }
  if (keyIdHex(key.keyId) !== idHex) return refuse(`key ID ${idHex} does not match the key (${keyIdHex(key.keyId)})`);
  return { value: key };
}
