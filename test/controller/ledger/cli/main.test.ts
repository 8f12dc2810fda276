import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromBase64 } from "../../../../controller/ledger/checkpoint/checkpoint.js";
import { formatVkey, parseVkey } from "../../../../controller/ledger/checkpoint/vkey.js";
import { main } from "../../../../controller/ledger/cli/main.js";
import { hashLeaf } from "../../../../controller/ledger/merkle/hash.js";
import { verifyInclusion } from "../../../../controller/ledger/merkle/proofs.js";
import { serveDir, type Served } from "../verify/serve-dir.js";
import { NOW, buildChunkedLog, buildLog, otherTrusted, readBytes, record, recordBytes, tempDir, trusted } from "../verify/support.js";

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...argv: string[]): Promise<Run> {
  const out: Run = { code: -1, stdout: "", stderr: "" };
  out.code = await main(argv, { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), nowSeconds: () => NOW });
  return out;
}

const VKEYS = ["--vkey", formatVkey(trusted.ed25519), "--vkey", formatVkey(trusted.mlDsa44)];

describe("solar-ledger", () => {
  it("keygen prints two vkeys, never a private key, and keeps existing keys", async () => {
    const dir = join(await tempDir(), "keys");
    const first = await run("keygen", "--dir", dir, "--origin", "solar.example/test");
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(parseVkey(line).value?.name).toBe("solar.example/test");
    expect(first.stdout + first.stderr).not.toMatch(/PRIVATE/);
    expect((await readdir(dir)).sort()).toEqual(["ed25519.key", "ml-dsa-44.key"]);
    expect((await stat(join(dir, "ed25519.key"))).mode & 0o777).toBe(0o600);
    expect((await run("keygen", "--dir", dir, "--origin", "solar.example/test")).stdout).toBe(first.stdout);
    const wrong = await run("keygen", "--dir", dir, "--origin", "other");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/ed25519\.key/);
    const missing = await run("keygen", "--dir", dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--origin is required/);
  });

  it("verify prints size and root on success, the bad file and entry on failure", async () => {
    const log = await buildLog([100, 300]);
    const ok = await run("verify", log.dir, ...VKEYS);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toMatch(/^OK size 300 root [A-Za-z0-9+/]{43}= \(hex [0-9a-f]{64}\)\nrecords config_changed=300\n$/);

    const olderFile = join(log.dir, "..", "older-checkpoint");
    await writeFile(olderFile, log.notes[0] as string);
    expect((await run("verify", log.dir, ...VKEYS, "--older", olderFile)).code).toBe(0);

    const bundle = (await readBytes(log.dir, "tile/entries/001.p/44")).toString("latin1");
    await writeFile(join(log.dir, "tile/entries/001.p/44"), Buffer.from(bundle.replace(`"at_ms":${1_767_225_600_000 + 299}`, `"at_ms":${1_767_225_600_000 + 298}`), "latin1"));
    const bad = await run("verify", log.dir, ...VKEYS);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toMatch(/^FAIL tile\/entries\/001\.p\/44 entry 299: /);
  });

  it("verify refuses bad key arguments, naming them", async () => {
    const log = await buildLog([3]);
    const one = await run("verify", log.dir, "--vkey", formatVkey(trusted.ed25519));
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/--vkey: give exactly two/);
    const garbled = await run("verify", log.dir, "--vkey", "nope", "--vkey", formatVkey(trusted.mlDsa44));
    expect(garbled.stderr).toMatch(/--vkey #1: vkey/);
    const wrong = await run("verify", log.dir, "--vkey", formatVkey(otherTrusted.ed25519), "--vkey", formatVkey(otherTrusted.mlDsa44));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^FAIL checkpoint: .*no signature/);
    const older = await run("verify", log.dir, ...VKEYS, "--older", join(log.dir, "absent"));
    expect(older).toMatchObject({ code: 1 });
    expect(older.stderr).toMatch(/--older: cannot read/);
    expect((await run("verify", ...VKEYS)).stderr).toMatch(/expected 1 positional/);
  });

  it("prove prints an inclusion proof that verifies, at the head or an older stored size", async () => {
    const log = await buildLog([100, 517]);
    for (const [index, size] of [[0, undefined], [299, undefined], [516, undefined], [42, 100], [99, 100]] as const) {
      const args = ["prove", String(index), log.dir, ...(size === undefined ? [] : ["--size", String(size)])];
      const r = await run(...args);
      expect(r.stderr).toBe("");
      const proof = JSON.parse(r.stdout) as { index: number; tree_size: number; root_hash: string; leaf_hash: string; inclusion_path: string[] };
      expect(proof.tree_size).toBe(size ?? 517);
      expect(proof.leaf_hash).toBe(Buffer.from(hashLeaf(recordBytes(index))).toString("base64"));
      const path = proof.inclusion_path.map((h) => fromBase64(h) as Uint8Array);
      expect(verifyInclusion(index, proof.tree_size, fromBase64(proof.leaf_hash)!, path, fromBase64(proof.root_hash)!).value).toBe(true);
    }
    expect((await run("prove", "517", log.dir)).stderr).toMatch(/<index>: /);
    expect((await run("prove", "-1", log.dir)).code).toBe(2);
    expect((await run("prove", "x", log.dir)).stderr).toMatch(/<index>: "x" is not a non-negative integer/);
    expect((await run("prove", "3", log.dir, "--size", "600")).stderr).toMatch(/--size: 600 is larger/);
  });

  it("show prints the record; checkpoint prints the signed note", async () => {
    const log = await buildLog([300]);
    const shown = await run("show", "257", log.dir);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(record(257));
    expect((await run("show", "300", log.dir)).stderr).toMatch(/<index>: 300 is not below the log size 300/);
    expect(await run("checkpoint", log.dir)).toEqual({ code: 0, stdout: log.notes[0], stderr: "" });
  });

  it("show prints a record stored in parts whole, from any of its entries", async () => {
    const log = await buildChunkedLog();
    const big = log.records[5]!;
    for (const index of [big.first, big.first + 2]) {
      const shown = await run("show", String(index), log.dir);
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toEqual(big.record);
    }
    expect((await run("verify", log.dir, ...VKEYS)).stdout).toMatch(/records config_changed=8 energy_snapshot=2/);
  });

  it("every command works against a URL as against the directory", async () => {
    const log = await buildLog([100, 300]);
    const served = await serveDir(log.dir);
    servers.push(served);
    for (const args of [["verify", "@", ...VKEYS], ["prove", "150", "@"], ["show", "7", "@"], ["checkpoint", "@"]]) {
      const local = await run(...args.map((a) => (a === "@" ? log.dir : a)));
      expect(local.code).toBe(0);
      expect(await run(...args.map((a) => (a === "@" ? served.url : a)))).toEqual(local);
    }
    expect((await run("checkpoint", "http://127.0.0.1:1/ledger")).code).toBe(1);
  });

  it("usage errors exit 2 and name the problem", async () => {
    expect((await run()).code).toBe(2);
    expect(await run("help")).toMatchObject({ code: 0 });
    const unknown = await run("frobnicate");
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/<command>: unknown command "frobnicate"/);
    expect((await run("checkpoint", "/x", "--bogus")).stderr).toMatch(/--bogus/);
    expect((await run("checkpoint", await tempDir())).stderr).toMatch(/checkpoint: missing/);
  });
});
