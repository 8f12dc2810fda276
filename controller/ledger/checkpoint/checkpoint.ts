// The checkpoint body of C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint@v1.0.0): origin, tree
// size, base64 root hash, then optional extension lines. Notes from elsewhere are untrusted, so
// parsing accepts only the one canonical spelling of each field.
import { ControllerError, type Parsed } from "../../errors/controller-error.js";

/** RFC 6962 with SHA-256; the ML-DSA-44 cosigned message also fixes the hash at 32 bytes. */
export const ROOT_HASH_BYTES = 32;
/** The ML-DSA-44 cosigned message carries the origin in a uint8 length prefix. */
export const MAX_ORIGIN_BYTES = 255;
/** The cosigned message carries the size as a uint64. */
export const MAX_TREE_SIZE = (1n << 64n) - 1n;

export interface Checkpoint {
  readonly origin: string;
  readonly size: bigint;
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty lines after the root hash; not covered by the ML-DSA-44 signature. */
  readonly extensions: readonly string[];
}

const SIZE = /^(0|[1-9][0-9]*)$/;
// Signed notes allow no control characters other than newline (c2sp.org/signed-note).
const CONTROL = /[\u0000-\u001f]/;

/** The note text of a checkpoint, ending in a newline. Throws on a checkpoint that is not valid. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const problem = checkCheckpoint(checkpoint);
  if (problem) throw problem;
  const lines = [checkpoint.origin, checkpoint.size.toString(), toBase64(checkpoint.rootHash), ...checkpoint.extensions];
  return lines.join("\n") + "\n";
}

/** Strict parse of a checkpoint's note text (everything above the blank line). */
export function parseCheckpoint(text: string): Parsed<Checkpoint> {
  if (!text.endsWith("\n")) return refuse("text", "does not end in a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) return refuse("text", `${lines.length} lines, need at least 3 (origin, size, root hash)`);
  const [origin, sizeText, hashText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!SIZE.test(sizeText)) return refuse("size", "not a decimal number without leading zeros");
  const rootHash = fromBase64(hashText);
  if (!rootHash) return refuse("root_hash", "not canonical standard base64");
  const checkpoint: Checkpoint = { origin, size: BigInt(sizeText), rootHash, extensions };
  const problem = checkCheckpoint(checkpoint);
  return problem ? { error: problem } : { value: checkpoint };
}

function checkCheckpoint(c: Checkpoint): ControllerError | undefined {
  const originBytes = Buffer.byteLength(c.origin, "utf8");
  if (originBytes === 0) return invalid("origin", "empty");
  if (originBytes > MAX_ORIGIN_BYTES) return invalid("origin", `${originBytes} bytes, at most ${MAX_ORIGIN_BYTES}`);
  if (CONTROL.test(c.origin)) return invalid("origin", "contains a control character");
  if (c.size < 0n || c.size > MAX_TREE_SIZE) return invalid("size", "outside 0..2^64-1");
  if (c.rootHash.length !== ROOT_HASH_BYTES) return invalid("root_hash", `${c.rootHash.length} bytes, expected ${ROOT_HASH_BYTES}`);
  for (const [i, line] of c.extensions.entries()) {
    if (line === "") return invalid(`extensions[${i}]`, "empty (extension lines must be non-empty)");
    if (CONTROL.test(line)) return invalid(`extensions[${i}]`, "contains a control character");
  }
  return undefined;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}

/** Standard padded base64 (RFC 4648 §4), refusing any other spelling of the same bytes. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return new Uint8Array(bytes);
}

function invalid(field: string, message: string): ControllerError {
  return ControllerError.invalid(`checkpoint.${field}`, message);
}

function refuse(field: string, message: string): Parsed<Checkpoint> {
  return { error: invalid(field, message) };
}
