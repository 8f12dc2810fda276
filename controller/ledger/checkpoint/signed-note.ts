// C2SP signed notes (c2sp.org/signed-note@v1.0.0): text ending in a newline, a blank line, then
// one or more lines "— <key name> <base64(uint32 key ID || signature)>". This file only frames
// and unframes notes; checking the signatures is verify.ts's job.
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { fromBase64, toBase64 } from "./checkpoint.js";

/** The spec asks verifiers to accept at least 16 signatures; witnesses may add a few more. */
export const MAX_SIGNATURES = 32;
/** Room for MAX_SIGNATURES post-quantum signatures (each up to about 6.5 kB in base64). */
export const MAX_NOTE_BYTES = 256 * 1024;

export interface NoteSignature {
  readonly name: string;
  /** The big-endian uint32 in the first four decoded bytes. */
  readonly keyId: number;
  /** What follows the key ID: the algorithm's signature bytes. */
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The signed text, including its final newline, excluding the blank separator line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const EM_DASH_PREFIX = "\u2014 ";
const WHITE_SPACE = /\p{White_Space}/u;
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/;
// With the u flag, paired surrogates form one code point, so this matches only unpaired ones.
const LONE_SURROGATE = /\p{Cs}/u;

/** Non-empty, no Unicode white space, no "+" (it separates the fields of a vkey). */
export function isValidKeyName(name: string): boolean {
  return name !== "" && !WHITE_SPACE.test(name) && !name.includes("+") && !LONE_SURROGATE.test(name);
}

/** Frames a note. Throws on a note no verifier could parse back (a bug in the caller). */
export function formatSignedNote(note: SignedNote): string {
  if (!note.text.endsWith("\n")) throw ControllerError.invalid("note.text", "does not end in a newline");
  if (CONTROL_EXCEPT_NEWLINE.test(note.text)) throw ControllerError.invalid("note.text", "contains a control character");
  if (note.signatures.length === 0) throw ControllerError.invalid("note.signatures", "none");
  const lines = note.signatures.map((s, i) => {
    if (!isValidKeyName(s.name)) throw ControllerError.invalid(`note.signatures[${i}].name`, "not a valid key name");
    if (s.signature.length === 0) throw ControllerError.invalid(`note.signatures[${i}].signature`, "empty");
    const bytes = new Uint8Array(4 + s.signature.length);
    new DataView(bytes.buffer).setUint32(0, s.keyId >>> 0, false);
    bytes.set(s.signature, 4);
    return `${EM_DASH_PREFIX}${s.name} ${toBase64(bytes)}\n`;
  });
  return `${note.text}\n${lines.join("")}`;
}

/** Strict parse of an untrusted note. Bytes are checked as UTF-8 before anything else. */
export function parseSignedNote(input: Uint8Array | string): Parsed<SignedNote> {
  if (typeof input === "string" && LONE_SURROGATE.test(input)) return refuse("note", "not valid UTF-8");
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  if (bytes.length > MAX_NOTE_BYTES) return refuse("note", `${bytes.length} bytes, at most ${MAX_NOTE_BYTES}`);
  let message: string;
  try {
    message = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return refuse("note", "not valid UTF-8");
  }
  if (CONTROL_EXCEPT_NEWLINE.test(message)) return refuse("note", "contains a control character other than newline");
  // The text ends at the last blank line; everything after it is signature lines.
  const split = message.lastIndexOf("\n\n");
  if (split < 0) return refuse("note", "no blank line before the signatures");
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (!block.endsWith("\n")) return refuse("signatures", "missing, or the last line does not end in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) return refuse("signatures", `${lines.length} lines, at most ${MAX_SIGNATURES}`);
  const signatures: NoteSignature[] = [];
  for (const [i, line] of lines.entries()) {
    const parsed = parseSignatureLine(line);
    if (typeof parsed === "string") return refuse(`signatures[${i}]`, parsed);
    signatures.push(parsed);
  }
  return { value: { text, signatures } };
}

function parseSignatureLine(line: string): NoteSignature | string {
  if (!line.startsWith(EM_DASH_PREFIX)) return "does not start with an em dash (U+2014) and a space";
  const rest = line.slice(EM_DASH_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0) return "no space between key name and signature";
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) return "key name is empty or contains white space or '+'";
  const bytes = fromBase64(rest.slice(space + 1));
  if (!bytes) return "signature is not canonical standard base64";
  if (bytes.length < 5) return `signature is ${bytes.length} bytes, need a 4-byte key ID and at least 1 more`;
  const keyId = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  return { name, keyId, signature: bytes.subarray(4) };
}

function refuse(field: string, message: string): Parsed<SignedNote> {
  return { error: ControllerError.invalid(field === "note" ? "note" : `note.${field}`, message) };
}
