// Opens a signed checkpoint from the log. Both of the log's keys must have signed it (AND).
// Lines from keys we do not know (witnesses, rotated keys) are skipped, as c2sp.org/signed-note
// requires; a line from a known key must be well formed, appear once and verify.
import { Code, ControllerError, type Parsed } from "../../errors/controller-error.js";
import { parseCheckpoint, type Checkpoint } from "./checkpoint.js";
import { cosignedMessage, decodeTimestampedSignature } from "./cosignature.js";
import { ed25519Verify, mlDsa44Verify } from "./primitives.js";
import { parseSignedNote } from "./signed-note.js";
import { SignatureType, type VerifierKey } from "./vkey.js";

/** Cosigners' clocks drift; a little future is tolerated, more is refused. */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;

export interface TrustedLog {
  readonly origin: string;
  readonly ed25519: VerifierKey;
  readonly mlDsa44: VerifierKey;
}

export interface VerifyOptions {
  readonly nowSeconds: number;
  readonly maxFutureSkewSeconds?: number;
}

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The ML-DSA-44 cosignature's timestamp, POSIX seconds. */
  readonly cosignedAt: bigint;
}

export function verifyCheckpoint(note: Uint8Array | string, log: TrustedLog, options: VerifyOptions): Parsed<VerifiedCheckpoint> {
  if (log.ed25519.type !== SignatureType.Ed25519 || log.mlDsa44.type !== SignatureType.MlDsa44Cosignature) {
    throw new TypeError("trusted keys must be one Ed25519 and one ML-DSA-44 key");
  }
  const parsed = parseSignedNote(note);
  if (parsed.error) return parsed;
  const { text, signatures } = parsed.value;
  const body = parseCheckpoint(text);
  if (body.error) return body;
  const checkpoint = body.value;
  if (checkpoint.origin !== log.origin) return refuse(Code.InvalidArgument, "checkpoint.origin", `is ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(log.origin)}`);

  const skew = BigInt(options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS);
  const latest = BigInt(Math.floor(options.nowSeconds)) + skew;
  let edSeen = false;
  let cosignedAt: bigint | undefined;
  for (const [i, line] of signatures.entries()) {
    const field = `note.signatures[${i}]`;
    const key = [log.ed25519, log.mlDsa44].find((k) => k.name === line.name && k.keyId === line.keyId);
    if (!key) continue;
    if (key.type === SignatureType.Ed25519) {
      if (edSeen) return refuse(Code.InvalidArgument, field, "second signature from the Ed25519 key");
      edSeen = true;
      if (!ed25519Verify(key.publicKey, Buffer.from(text, "utf8"), line.signature)) {
        return refuse(Code.Unauthenticated, field, "Ed25519 signature does not verify");
      }
      continue;
    }
    if (cosignedAt !== undefined) return refuse(Code.InvalidArgument, field, "second signature from the ML-DSA-44 key");
    const stamped = decodeTimestampedSignature(line.signature);
    if (typeof stamped === "string") return refuse(Code.InvalidArgument, field, stamped);
    // Our log always states a time; zero would claim nothing about being the latest tree.
    if (stamped.timestamp === 0n) return refuse(Code.InvalidArgument, field, "cosignature timestamp is zero");
    if (stamped.timestamp > latest) return refuse(Code.InvalidArgument, field, `cosignature timestamp ${stamped.timestamp} is in the future`);
    const message = cosignedMessage(key.name, stamped.timestamp, checkpoint);
    if (!mlDsa44Verify(key.publicKey, message, stamped.signature)) {
      return refuse(Code.Unauthenticated, field, "ML-DSA-44 cosignature does not verify");
    }
    cosignedAt = stamped.timestamp;
  }
  if (!edSeen) return refuse(Code.Unauthenticated, "note.signatures", `no signature from ${log.ed25519.name} (Ed25519)`);
  if (cosignedAt === undefined) return refuse(Code.Unauthenticated, "note.signatures", `no signature from ${log.mlDsa44.name} (ML-DSA-44)`);
  return { value: { checkpoint, cosignedAt } };
}

function refuse(code: Code, field: string, message: string): Parsed<VerifiedCheckpoint> {
  return { error: new ControllerError(code, `${field}: ${message}`, field) };
}
