// The ML-DSA-44 cosignature of c2sp.org/tlog-cosignature: what is signed (the binary
// cosigned_message, label "subtree/v1\n\0") and the timestamped_signature layout on the line
// (uint64 big-endian POSIX seconds, then the 2420-byte signature).
import type { Checkpoint } from "./checkpoint.js";
import { ML_DSA_44_SIGNATURE_BYTES } from "./primitives.js";

/** The spec caps the timestamp at 2^63 - 1. */
export const MAX_TIMESTAMP = (1n << 63n) - 1n;
export const TIMESTAMPED_SIGNATURE_BYTES = 8 + ML_DSA_44_SIGNATURE_BYTES;

const LABEL = Buffer.from("subtree/v1\n\0", "latin1");

export interface TimestampedSignature {
  readonly timestamp: bigint;
  readonly signature: Uint8Array;
}

/**
 * cosigned_message for a checkpoint: label, cosigner name<1..255>, timestamp, origin<1..255>,
 * start (0 for a checkpoint), end (the tree size), 32-byte root hash. Extension lines are not
 * part of it. Throws on out-of-range fields (callers pass checked names and checkpoints).
 */
export function cosignedMessage(cosignerName: string, timestamp: bigint, checkpoint: Checkpoint): Uint8Array {
  if (timestamp < 0n || timestamp > MAX_TIMESTAMP) throw new RangeError("timestamp outside 0..2^63-1");
  const name = shortBytes("cosigner name", cosignerName);
  const origin = shortBytes("origin", checkpoint.origin);
  if (checkpoint.rootHash.length !== 32) throw new RangeError("root hash is not 32 bytes");
  const numbers = Buffer.alloc(8);
  numbers.writeBigUInt64BE(timestamp);
  const range = Buffer.alloc(16);
  range.writeBigUInt64BE(0n, 0);
  range.writeBigUInt64BE(checkpoint.size, 8);
  return new Uint8Array(Buffer.concat([LABEL, name, numbers, origin, range, checkpoint.rootHash]));
}

export function encodeTimestampedSignature(value: TimestampedSignature): Uint8Array {
  if (value.timestamp < 0n || value.timestamp > MAX_TIMESTAMP) throw new RangeError("timestamp outside 0..2^63-1");
  const out = Buffer.alloc(8 + value.signature.length);
  out.writeBigUInt64BE(value.timestamp, 0);
  out.set(value.signature, 8);
  return new Uint8Array(out);
}

/** Splits a line's signature bytes; a string says what is wrong with them. */
export function decodeTimestampedSignature(bytes: Uint8Array): TimestampedSignature | string {
  if (bytes.length !== TIMESTAMPED_SIGNATURE_BYTES) {
    return `${bytes.length} bytes, expected ${TIMESTAMPED_SIGNATURE_BYTES} (8-byte timestamp and ML-DSA-44 signature)`;
  }
  const timestamp = Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64BE(0);
  if (timestamp > MAX_TIMESTAMP) return "timestamp exceeds 2^63-1";
  return { timestamp, signature: bytes.subarray(8) };
}

function shortBytes(what: string, text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length < 1 || bytes.length > 255) throw new RangeError(`${what} must be 1..255 bytes`);
  return Buffer.concat([Uint8Array.of(bytes.length), bytes]);
}
