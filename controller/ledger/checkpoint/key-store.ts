// Where the log's two keys come from. Each key is taken from an environment variable (a
// Kubernetes Secret exposed as env) if set, else from its file in the key directory, else
// generated into that directory on first start. Files are written 0600 and appear atomically,
// so replicas starting together on a shared volume end up with the same key.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Code, ControllerError, type Parsed } from "../../errors/controller-error.js";
import { parsePrivateKey, SignerKey } from "./keys.js";
import { SignatureType } from "./vkey.js";

export const ED25519_KEY_FILE = "ed25519.key";
export const ML_DSA_44_KEY_FILE = "ml-dsa-44.key";
export const ED25519_KEY_ENV = "LEDGER_ED25519_PRIVATE_KEY";
export const ML_DSA_44_KEY_ENV = "LEDGER_ML_DSA_44_PRIVATE_KEY";

export interface LogKeys {
  readonly ed25519: SignerKey;
  readonly mlDsa44: SignerKey;
}

export interface KeySourceOptions {
  /** Key name for both keys; c2sp.org/tlog-checkpoint says it SHOULD be the log's origin. */
  readonly name: string;
  /** Directory holding (or receiving) the key files; without it keys must come from env. */
  readonly dir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function loadLogKeys(options: KeySourceOptions): Promise<Parsed<LogKeys>> {
  const ed25519 = await loadKey(options, SignatureType.Ed25519, ED25519_KEY_ENV, ED25519_KEY_FILE);
  if (ed25519.error) return { error: ed25519.error };
  const mlDsa44 = await loadKey(options, SignatureType.MlDsa44Cosignature, ML_DSA_44_KEY_ENV, ML_DSA_44_KEY_FILE);
  if (mlDsa44.error) return { error: mlDsa44.error };
  return { value: { ed25519: ed25519.value, mlDsa44: mlDsa44.value } };
}

async function loadKey(options: KeySourceOptions, type: SignatureType, envName: string, fileName: string): Promise<Parsed<SignerKey>> {
  const fromEnv = options.env?.[envName];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return requireKey(parsePrivateKey(fromEnv, envName), options.name, type, envName);
  if (options.dir === undefined) {
    return { error: new ControllerError(Code.FailedPrecondition, `no ${envName} and no key directory configured`, envName) };
  }
  const path = join(options.dir, fileName);
  const existing = await readKeyFile(path);
  if (existing !== undefined) return requireKey(parsePrivateKey(existing, path), options.name, type, path);
  const created = SignerKey.generate(options.name, type);
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  if (await publish(path, created.exportPrivateKey() + "\n")) return { value: created };
  // Another replica published first: use its key, so all replicas sign with one key.
  return requireKey(parsePrivateKey((await readKeyFile(path)) ?? "", path), options.name, type, path);
}

function requireKey(parsed: Parsed<SignerKey>, name: string, type: SignatureType, field: string): Parsed<SignerKey> {
  if (parsed.error) return parsed;
  if (parsed.value.type !== type) return { error: ControllerError.invalid(field, `holds a key of type 0x0${parsed.value.type}, expected 0x0${type}`) };
  if (parsed.value.name !== name) return { error: ControllerError.invalid(field, `holds a key named ${parsed.value.name}, expected ${name}`) };
  return parsed;
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Writes a temporary 0600 file, fsyncs it, then links it into place; false if `path` exists. */
async function publish(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.chmod(0o600); // the umask may have narrowed it; make it exact
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(temp);
    await syncDir(path);
  }
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
