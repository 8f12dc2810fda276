// Records to and from their canonical bytes. An entry in the log is at most 65,535 bytes (the
// entry bundles' uint16 length prefix): encodeRecord refuses a larger record, encodeRecordEntries
// splits it into record_chunk entries (chunks.ts) so that it is stored whole, in the log itself.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { z } from "zod";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { chunkRecordBytes } from "./chunks.js";
import { MAX_RECORD_PARTS, entrySchema, recordSchema, type LedgerRecord, type LogEntry } from "./record.js";

export const MAX_RECORD_BYTES = 0xffff;

/** The record's RFC 8785 bytes, after checking it against its schema; refuses one over MAX_RECORD_BYTES. */
export function encodeRecord(record: LedgerRecord): Parsed<Uint8Array> {
  const bytes = canonicalBytes(recordSchema, record);
  if (bytes.error) return bytes;
  if (bytes.value.length > MAX_RECORD_BYTES) {
    return { error: ControllerError.invalid("record", `${bytes.value.length} bytes encoded, at most ${MAX_RECORD_BYTES} in one entry (encodeRecordEntries splits it)`) };
  }
  return bytes;
}

/**
 * The entries that store a record: its canonical bytes as one entry when they fit, else the
 * record_chunk entries that carry them. Append them together (Log.appendAll), so they are
 * consecutive and in one checkpoint.
 */
export function encodeRecordEntries(record: LedgerRecord): Parsed<Uint8Array[]> {
  const bytes = canonicalBytes(recordSchema, record);
  if (bytes.error) return bytes;
  if (bytes.value.length <= MAX_RECORD_BYTES) return { value: [bytes.value] };
  const chunks = chunkRecordBytes(bytes.value, sha256Hex(bytes.value));
  if (chunks.length > MAX_RECORD_PARTS) {
    return { error: ControllerError.invalid("record", `${bytes.value.length} bytes encoded: more than ${MAX_RECORD_PARTS} parts`) };
  }
  const entries: Uint8Array[] = [];
  for (const chunk of chunks) {
    const entry = canonicalBytes(entrySchema, chunk);
    if (entry.error) return entry;
    entries.push(entry.value);
  }
  return { value: entries };
}

/** A stored entry back to a record; refuses bytes that are not exactly the canonical encoding, and record_chunk parts. */
export function decodeRecord(bytes: Uint8Array): Parsed<LedgerRecord> {
  return decodeWith(recordSchema, bytes);
}

/** A stored entry back to what it holds: a record or a record_chunk part (put together by ChunkAssembler). */
export function decodeEntry(bytes: Uint8Array): Parsed<LogEntry> {
  return decodeWith(entrySchema, bytes);
}

/** The SHA-256 (hex) of a record's canonical bytes, whether it is stored as one entry or in parts. */
export function recordSha256(record: LedgerRecord): Parsed<string> {
  const bytes = canonicalBytes(recordSchema, record);
  return bytes.error ? bytes : { value: sha256Hex(bytes.value) };
}

/** Hex SHA-256 of any bytes: how records name tables, snapshots and other records. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function canonicalBytes(schema: z.ZodType, value: unknown): Parsed<Uint8Array> {
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { error: ControllerError.invalid(fieldOf(issue.path), issue.message) };
  }
  const text = canonicalize(checked.data);
  if (text === undefined) return { error: ControllerError.invalid("record", "cannot be canonicalized") };
  return { value: new TextEncoder().encode(text) };
}

function decodeWith<T>(schema: z.ZodType<T>, bytes: Uint8Array): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    return { error: ControllerError.invalid("record", `not UTF-8 JSON: ${(e as Error).message}`) };
  }
  const checked = schema.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { error: ControllerError.invalid(fieldOf(issue.path), issue.message) };
  }
  const canonical = canonicalize(checked.data);
  if (canonical === undefined || canonical !== new TextDecoder().decode(bytes)) {
    return { error: ControllerError.invalid("record", "not in canonical (RFC 8785) form") };
  }
  return { value: checked.data };
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length > 0 ? `record.${path.map(String).join(".")}` : "record";
}
