// Signs a checkpoint with both of the log's keys: one note, two signature lines. ML-DSA-44
// signing costs milliseconds, so the log calls this once per integration, never per record.
import { formatCheckpoint, type Checkpoint } from "./checkpoint.js";
import { cosignedMessage, encodeTimestampedSignature } from "./cosignature.js";
import type { LogKeys } from "./key-store.js";
import { formatSignedNote } from "./signed-note.js";
import { SignatureType } from "./vkey.js";

/**
 * The signed checkpoint note. The Ed25519 line (type 0x01) signs the note text; the ML-DSA-44
 * line (type 0x06) is a timestamped cosignature over the checkpoint's origin, size and root hash.
 */
export function signCheckpoint(checkpoint: Checkpoint, keys: LogKeys, timestampSeconds: number): string {
  if (keys.ed25519.type !== SignatureType.Ed25519) throw new TypeError("keys.ed25519 is not an Ed25519 key");
  if (keys.mlDsa44.type !== SignatureType.MlDsa44Cosignature) throw new TypeError("keys.mlDsa44 is not an ML-DSA-44 key");
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds <= 0) throw new RangeError("timestamp must be positive whole seconds");
  const text = formatCheckpoint(checkpoint);
  const timestamp = BigInt(timestampSeconds);
  const cosignature = keys.mlDsa44.sign(cosignedMessage(keys.mlDsa44.name, timestamp, checkpoint));
  return formatSignedNote({
    text,
    signatures: [
      { name: keys.ed25519.name, keyId: keys.ed25519.keyId, signature: keys.ed25519.sign(Buffer.from(text, "utf8")) },
      { name: keys.mlDsa44.name, keyId: keys.mlDsa44.keyId, signature: encodeTimestampedSignature({ timestamp, signature: cosignature }) },
    ],
  });
}
