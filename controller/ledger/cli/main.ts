// solar-ledger: keys, audit and lookups for the ledger, from a log directory or a controller's
// /ledger/ URL. main() takes argv and an io object and returns the exit code, so tests run it
// in-process. Errors name the argument at fault.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { toBase64 } from "../checkpoint/checkpoint.js";
import { loadLogKeys } from "../checkpoint/key-store.js";
import type { TrustedLog } from "../checkpoint/verify.js";
import { SignatureType, formatVkey, parseVkey, type VerifierKey } from "../checkpoint/vkey.js";
import { toHex } from "../merkle/hash.js";
import { PosixStorage } from "../storage/posix/posix-storage.js";
import { HttpReader } from "../verify/http-reader.js";
import type { LogReader } from "../verify/log-reader.js";
import { verifyLog } from "../verify/verify-log.js";
import { proveInclusion, readHead, readRecord } from "../read-log.js";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly nowSeconds?: () => number;
  readonly fetch?: typeof fetch;
}

export const USAGE = `usage:
  solar-ledger keygen --dir DIR --origin ORIGIN
  solar-ledger verify <dir|URL> --vkey VKEY --vkey VKEY [--origin ORIGIN] [--older FILE]
  solar-ledger prove <index> <dir|URL> [--size N]
  solar-ledger show <index> <dir|URL>        (a chunked record is shown whole)
  solar-ledger checkpoint <dir|URL>
<dir|URL> is a log directory or the controller's ledger base, e.g. http://controller:8080/ledger
`;

/** A bad command line: reported with the usage text, exit code 2. */
class UsageError extends Error {}

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = { keygen, verify, prove, show, checkpoint };

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? io.stderr : io.stdout)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`<command>: unknown command ${JSON.stringify(name)}\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${name}: ${e.message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function keygen(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { dir: { type: "string" }, origin: { type: "string" } }, 0);
  const dir = required(values.dir, "--dir");
  const origin = required(values.origin, "--origin");
  // No env: keys in this process's environment must not stand in for the directory's.
  const keys = await loadLogKeys({ name: origin, dir, env: {} });
  if (keys.error) throw new Error(keys.error.message);
  io.stdout(`${formatVkey(keys.value.ed25519.verifier)}\n${formatVkey(keys.value.mlDsa44.verifier)}\n`);
  return 0;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    vkey: { type: "string", multiple: true }, origin: { type: "string" }, older: { type: "string" },
  }, 1);
  const source = openSource(positionals[0] as string, io);
  const trusted = trustedLog(values.vkey ?? [], values.origin);
  let older: string | undefined;
  if (values.older !== undefined) {
    try {
      older = await readFile(values.older, "utf8");
    } catch (e) {
      throw new Error(`--older: cannot read ${values.older}: ${(e as Error).message}`);
    }
  }
  const verdict = await verifyLog(source, { trusted, nowSeconds: now(io), ...(older === undefined ? {} : { olderCheckpoint: older }) });
  if (verdict.error) {
    const { file, index, message } = verdict.error;
    io.stderr(`FAIL ${file}${index === undefined ? "" : ` entry ${index}`}: ${message}\n`);
    return 1;
  }
  const { size, root, records } = verdict.value;
  const kinds = Object.entries(records).map(([k, n]) => `${k}=${n}`).join(" ");
  io.stdout(`OK size ${size} root ${toBase64(root)} (hex ${toHex(root)})${kinds ? `\nrecords ${kinds}` : ""}\n`);
  return 0;
}

async function prove(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { size: { type: "string" } }, 2);
  const index = count(positionals[0] as string, "<index>");
  const source = openSource(positionals[1] as string, io);
  const head = await readHead(source);
  const size = values.size === undefined ? head.size : count(values.size, "--size");
  const p = await proveInclusion(source, head, index, size);
  io.stdout(JSON.stringify({
    index: p.index, tree_size: p.size, root_hash: toBase64(p.root), leaf_hash: toBase64(p.leafHash), inclusion_path: p.proof.map(toBase64),
  }, null, 2) + "\n");
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parse(args, {}, 2);
  const index = count(positionals[0] as string, "<index>");
  const source = openSource(positionals[1] as string, io);
  const head = await readHead(source);
  // A part of a chunked record shows the whole record.
  const { record } = await readRecord(source, index, head.size);
  io.stdout(JSON.stringify(record, null, 2) + "\n");
  return 0;
}

async function checkpoint(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parse(args, {}, 1);
  io.stdout((await readHead(openSource(positionals[0] as string, io))).note);
  return 0;
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse<O extends Options>(args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} positional argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}

function count(text: string, name: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${name}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

function openSource(location: string, io: CliIo): LogReader {
  if (!/^https?:\/\//i.test(location)) return new PosixStorage(location);
  try {
    return new HttpReader(location, io.fetch ? { fetch: io.fetch } : {});
  } catch (e) {
    throw new UsageError(`<dir|URL>: ${(e as Error).message}`);
  }
}

/** One Ed25519 and one ML-DSA-44 vkey; the origin defaults to their (shared) key name. */
function trustedLog(vkeys: readonly string[], origin: string | undefined): TrustedLog {
  if (vkeys.length !== 2) throw new UsageError(`--vkey: give exactly two (Ed25519 and ML-DSA-44), got ${vkeys.length}`);
  const keys: VerifierKey[] = vkeys.map((text, i) => {
    const parsed = parseVkey(text);
    if (parsed.error) throw new UsageError(`--vkey #${i + 1}: ${parsed.error.message}`);
    return parsed.value;
  });
  const ed25519 = keys.find((k) => k.type === SignatureType.Ed25519);
  const mlDsa44 = keys.find((k) => k.type === SignatureType.MlDsa44Cosignature);
  if (!ed25519 || !mlDsa44) throw new UsageError("--vkey: need one Ed25519 and one ML-DSA-44 key");
  return { origin: origin ?? ed25519.name, ed25519, mlDsa44 };
}

function now(io: CliIo): number {
  return io.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
}
