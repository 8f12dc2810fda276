// How a record too large for one entry is stored: its canonical bytes cut into slices of
// CHUNK_DATA_BYTES (the last one shorter), each carried base64 in a record_chunk entry that names
// the whole record by SHA-256 and says which part of how many it is. The cut is fixed, so a record
// always turns into the same entries. Everything stays in the log, so standard tlog tooling
// still sees every byte under the tree, and `verify` puts the parts back together (assemble.ts).
import type { RecordChunk } from "./record.js";

/**
 * Record bytes per part: a multiple of 3, so only the last part's base64 has padding, and small
 * enough that the part's entry (60,000 base64 characters and about 130 of JSON around them) stays
 * within the 65,535-byte entry bound.
 */
export const CHUNK_DATA_BYTES = 45_000;

/** The record_chunk parts of canonical record bytes whose SHA-256 (hex) is `digest`. */
export function chunkRecordBytes(bytes: Uint8Array, digest: string): RecordChunk[] {
  const parts = Math.ceil(bytes.length / CHUNK_DATA_BYTES);
  return Array.from({ length: parts }, (_, part) => {
    const slice = bytes.subarray(part * CHUNK_DATA_BYTES, (part + 1) * CHUNK_DATA_BYTES);
    return {
      kind: "record_chunk", v: 1, record_sha256: digest, part, parts,
      data: Buffer.from(slice.buffer, slice.byteOffset, slice.length).toString("base64"),
    };
  });
}
