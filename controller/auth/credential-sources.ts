// Where credentials come from: per role, a file (one token per line, `#` comments and blank lines
// ignored: a Kubernetes Secret mounted as a file) and an environment variable (tokens separated by
// commas or newlines). Both sources merge, so a new token can be added before the old one is
// removed (rotation). Everything is checked once, at start; an error names the source and the
// line or item, never the token.
import { readFile } from "node:fs/promises";
import { Code, ControllerError, type Parsed } from "../errors/controller-error.js";
import { Credentials, ROLES, type Role } from "./credentials.js";

export const TOKEN_ENV: Readonly<Record<Role, string>> = { reader: "SOLAR_READER_TOKENS", writer: "SOLAR_WRITER_TOKENS" };
export const TOKEN_FILE_OPTION: Readonly<Record<Role, string>> = { reader: "auth.reader_tokens_file", writer: "auth.writer_tokens_file" };
export const MIN_TOKEN_LENGTH = 16;
/** The filter's own bound on a token it sends. */
export const MAX_TOKEN_LENGTH = 4_096;

export interface CredentialFiles {
  readerTokensFile: string | null;
  writerTokensFile: string | null;
}

/** One token and where it was read, for messages that must not show the token. */
interface Located {
  token: string;
  /** The option or variable it came from. */
  field: string;
  /** File and line, or variable and item. */
  at: string;
}

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/** An error at `at` (a file line, or a variable's item) that names where, never what. */
function refusal(field: string, at: string, problem: string): ControllerError {
  return new ControllerError(Code.InvalidArgument, at.startsWith(field) ? `${at}: ${problem}` : `${field}: ${at}: ${problem}`, field);
}

function checkToken(token: string, at: string, field: string): ControllerError | null {
  if (token.length < MIN_TOKEN_LENGTH) return refusal(field, at, `a token needs at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}`);
  if (token.length > MAX_TOKEN_LENGTH) return refusal(field, at, `a token has at most ${MAX_TOKEN_LENGTH} characters, got ${token.length}`);
  if (!VISIBLE_ASCII.test(token)) return refusal(field, at, "a token may hold only visible ASCII (no spaces, control or non-ASCII characters)");
  return null;
}

/** A token file's text: one token per line; `#` starts a comment line; blank lines are skipped. */
export function parseTokenFile(text: string, path: string, field: string): Parsed<Located[]> {
  const tokens: Located[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const token = lines[i]!.trim();
    if (token === "" || token.startsWith("#")) continue;
    const at = `${path} line ${i + 1}`;
    const error = checkToken(token, at, field);
    if (error) return { error };
    tokens.push({ token, field, at });
  }
  return { value: tokens };
}

/** An environment variable's value: tokens separated by commas or newlines. */
export function parseTokenEnv(text: string, name: string): Parsed<Located[]> {
  const tokens: Located[] = [];
  const items = text.split(/[,\n]/);
  for (let i = 0; i < items.length; i++) {
    const token = items[i]!.trim();
    if (token === "") continue;
    const at = `${name} item ${i + 1}`;
    const error = checkToken(token, at, name);
    if (error) return { error };
    tokens.push({ token, field: name, at });
  }
  return { value: tokens };
}

async function fromFile(path: string | null, field: string): Promise<Parsed<Located[]>> {
  if (path === null) return { value: [] };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    return { error: ControllerError.invalid(field, `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`) };
  }
  return parseTokenFile(text, path, field);
}

/** Reads both roles' file and environment variable, checks every token and merges them. */
export async function loadCredentials(
  files: CredentialFiles, env: Readonly<Record<string, string | undefined>>,
): Promise<Parsed<Credentials>> {
  const byRole: Record<Role, Located[]> = { reader: [], writer: [] };
  for (const role of ROLES) {
    const file = await fromFile(role === "reader" ? files.readerTokensFile : files.writerTokensFile, TOKEN_FILE_OPTION[role]);
    if (file.error) return { error: file.error };
    const fromEnv = parseTokenEnv(env[TOKEN_ENV[role]] ?? "", TOKEN_ENV[role]);
    if (fromEnv.error) return { error: fromEnv.error };
    byRole[role] = [...file.value, ...fromEnv.value];
  }
  // One token, one role: a reader token that also writes would make the split meaningless.
  const readers = new Map(byRole.reader.map((t) => [t.token, t.at]));
  const shared = byRole.writer.find((t) => readers.has(t.token));
  if (shared) {
    return { error: refusal(shared.field, shared.at, `the same token is also a reader token (${readers.get(shared.token)}); give each role its own tokens`) };
  }
  return { value: Credentials.fromTokens({ reader: byRole.reader.map((t) => t.token), writer: byRole.writer.map((t) => t.token) }) };
}
