import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ED25519_KEY_ENV,
  ED25519_KEY_FILE,
  loadLogKeys,
  ML_DSA_44_KEY_ENV,
  ML_DSA_44_KEY_FILE,
} from "../../../../controller/ledger/checkpoint/key-store.js";
import { SignerKey } from "../../../../controller/ledger/checkpoint/keys.js";
import { SignatureType } from "../../../../controller/ledger/checkpoint/vkey.js";
import { seed } from "./fixed-keys.js";

const NAME = "solar.example/ledger";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ledger-keys-"));
}

describe("log key store", () => {
  it("generates both keys on first start as 0600 files, and loads the same keys after", async () => {
    const dir = join(await tempDir(), "keys");
    const first = (await loadLogKeys({ name: NAME, dir })).value!;
    expect(first.ed25519.type).toBe(SignatureType.Ed25519);
    expect(first.mlDsa44.type).toBe(SignatureType.MlDsa44Cosignature);
    expect((await readdir(dir)).sort()).toEqual([ED25519_KEY_FILE, ML_DSA_44_KEY_FILE]);
    for (const file of [ED25519_KEY_FILE, ML_DSA_44_KEY_FILE]) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(dir)).mode & 0o077).toBe(0);
    expect(await readFile(join(dir, ED25519_KEY_FILE), "utf8")).toBe(first.ed25519.exportPrivateKey() + "\n");
    const again = (await loadLogKeys({ name: NAME, dir })).value!;
    expect(again.ed25519.verifier).toEqual(first.ed25519.verifier);
    expect(again.mlDsa44.verifier).toEqual(first.mlDsa44.verifier);
  });

  it("gives replicas starting together one key", async () => {
    const dir = await tempDir();
    const all = await Promise.all([1, 2, 3, 4].map(() => loadLogKeys({ name: NAME, dir })));
    const ids = new Set(all.map((k) => `${k.value!.ed25519.keyId}/${k.value!.mlDsa44.keyId}`));
    expect(ids.size).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([ED25519_KEY_FILE, ML_DSA_44_KEY_FILE]);
  });

  it("prefers keys from the environment (a Kubernetes Secret) and writes nothing then", async () => {
    const dir = await tempDir();
    const ed = SignerKey.fromSeed(NAME, SignatureType.Ed25519, seed(9));
    const ml = SignerKey.fromSeed(NAME, SignatureType.MlDsa44Cosignature, seed(10));
    const env = { [ED25519_KEY_ENV]: ed.exportPrivateKey(), [ML_DSA_44_KEY_ENV]: ml.exportPrivateKey() + "\n" };
    const keys = (await loadLogKeys({ name: NAME, dir, env })).value!;
    expect(keys.ed25519.verifier).toEqual(ed.verifier);
    expect(keys.mlDsa44.verifier).toEqual(ml.verifier);
    expect(await readdir(dir)).toEqual([]);
    expect((await loadLogKeys({ name: NAME, env })).value?.mlDsa44.keyId).toBe(ml.keyId);
  });

  it("loads keys from files it did not write", async () => {
    const dir = await tempDir();
    const ed = SignerKey.fromSeed(NAME, SignatureType.Ed25519, seed(11));
    await writeFile(join(dir, ED25519_KEY_FILE), ed.exportPrivateKey(), { mode: 0o600 });
    const keys = (await loadLogKeys({ name: NAME, dir })).value!;
    expect(keys.ed25519.verifier).toEqual(ed.verifier);
  });

  it("refuses a missing source, a key of the wrong type or name, and a corrupt file", async () => {
    expect((await loadLogKeys({ name: NAME })).error?.message).toMatch(new RegExp(`no ${ED25519_KEY_ENV} and no key directory`));
    const ml = SignerKey.fromSeed(NAME, SignatureType.MlDsa44Cosignature, seed(12)).exportPrivateKey();
    expect((await loadLogKeys({ name: NAME, env: { [ED25519_KEY_ENV]: ml } })).error?.message).toMatch(/LEDGER_ED25519_PRIVATE_KEY: holds a key of type 0x06, expected 0x01/);
    const other = SignerKey.fromSeed("other.example", SignatureType.Ed25519, seed(12)).exportPrivateKey();
    expect((await loadLogKeys({ name: NAME, env: { [ED25519_KEY_ENV]: other } })).error?.message).toMatch(/holds a key named other.example/);
    const dir = await tempDir();
    await writeFile(join(dir, ML_DSA_44_KEY_FILE), "garbage\n", { mode: 0o600 });
    const corrupt = await loadLogKeys({ name: NAME, dir });
    expect(corrupt.error?.field).toBe(join(dir, ML_DSA_44_KEY_FILE));
    expect(corrupt.error?.message).toMatch(/does not start with PRIVATE\+KEY\+/);
  });
});
