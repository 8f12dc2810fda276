// Deterministic keys and a checkpoint shared by the sign and verify tests.
import type { Checkpoint } from "../../../../controller/ledger/checkpoint/checkpoint.js";
import type { LogKeys } from "../../../../controller/ledger/checkpoint/key-store.js";
import { SignerKey } from "../../../../controller/ledger/checkpoint/keys.js";
import type { TrustedLog } from "../../../../controller/ledger/checkpoint/verify.js";
import { SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";

export const ORIGIN = "solar.example/ledger";
export const NOW = 1_767_225_600;

export function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

export const keys: LogKeys = {
  ed25519: SignerKey.fromSeed(ORIGIN, SignatureType.Ed25519, seed(1)),
  mlDsa44: SignerKey.fromSeed(ORIGIN, SignatureType.MlDsa44Cosignature, seed(2)),
};

export const trusted: TrustedLog = { origin: ORIGIN, ed25519: keys.ed25519.verifier, mlDsa44: keys.mlDsa44.verifier };

export const checkpoint: Checkpoint = {
  origin: ORIGIN,
  size: 1234n,
  rootHash: new Uint8Array(32).map((_, i) => 255 - i),
  extensions: [],
};
