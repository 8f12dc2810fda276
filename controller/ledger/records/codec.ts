// Records to and from their canonical bytes. An entry in the log is at most 65,535 bytes (the
// entry bundles' uint16 length prefix), so larger records are refused here, before they reach it.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { recordSchema, type LedgerRecord } from "./record.js";

export const MAX_RECORD_BYTES = 0xffff;

/** The record's RFC 8785 bytes, after checking it against its schema. */
export function encodeRecord(record: LedgerRecord): Parsed<Uint8Array> {
  const checked = recordSchema.safeParse(record);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { error: ControllerError.invalid(fieldOf(issue.path), issue.message) };
  }
  const text = canonicalize(checked.data);
  if (text === undefined) return { error: ControllerError.invalid("record", "cannot be canonicalized") };
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_RECORD_BYTES) {
    return { error: ControllerError.invalid("record", `${bytes.length} bytes encoded, at most ${MAX_RECORD_BYTES}`) };
  }
  return { value: bytes };
}

/** A stored entry back to a record; refuses bytes that are not exactly the canonical encoding. */
export function decodeRecord(bytes: Uint8Array): Parsed<LedgerRecord> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    return { error: ControllerError.invalid("record", `not UTF-8 JSON: ${(e as Error).message}`) };
  }
  const checked = recordSchema.safeParse(json);
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

/** Hex SHA-256 of any bytes: how records name tables, snapshots and other records. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
