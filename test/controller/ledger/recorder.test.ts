// Wiring: a table the controller serves is in a signed checkpoint before any proxy can fetch it,
// and the record's digest is that of the exact bytes a proxy receives from GET /v1/table.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startController, type RunningController } from "../../../controller/app.js";
import { parseConfig } from "../../../controller/config/load.js";
import { DEFAULT_CONFIG_YAML } from "../../../controller/config/defaults.js";
import { parseCheckpoint } from "../../../controller/ledger/checkpoint/checkpoint.js";
import { parseSignedNote } from "../../../controller/ledger/checkpoint/signed-note.js";
import { parseBundle } from "../../../controller/ledger/log/bundle.js";
import { decodeRecord, sha256Hex } from "../../../controller/ledger/records/codec.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { hashLeaf } from "../../../controller/ledger/merkle/hash.js";
import * as grpc from "@grpc/grpc-js";
import { loadLedgerProto } from "../../../controller/grpc/ledger-service.js";
import { verifyConsistency, verifyInclusion } from "../../../controller/ledger/merkle/proofs.js";
import { Credentials } from "../../../controller/auth/credentials.js";

const READER = "recorder-test-reader-0123456789";
const WRITER = "recorder-test-writer-0123456789";

let dir: string;
let controller: RunningController;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "solar-ledger-"));
  const config = parseConfig(DEFAULT_CONFIG_YAML).value!;
  config.listen = { http: "127.0.0.1:0", grpc: "127.0.0.1:0" };
  config.ledger = { ...config.ledger, dir: join(dir, "log"), keysDir: join(dir, "keys") };
  controller = await startController(config, {
    logger: createLogger("silent"), credentials: Credentials.fromTokens({ reader: [READER], writer: [WRITER] }),
  });
});

afterAll(async () => {
  await controller?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("ledger wiring", () => {
  it("records every published table, linked to the bytes proxies receive and to its inputs", async () => {
    const url = `http://127.0.0.1:${controller.httpPort}`;
    const started = performance.now();
    // Record before serve: the first table is out only once its record is durable.
    const reader = { headers: { authorization: `Bearer ${READER}` } };
    let res = await fetch(`${url}/v1/table`, reader);
    while (res.status === 503 && performance.now() - started < 2_000) {
      await new Promise((r) => setTimeout(r, 10));
      res = await fetch(`${url}/v1/table`, reader);
    }
    expect(res.status).toBe(200);
    const table = new Uint8Array(await res.arrayBuffer());
    // Already in a checkpoint when a proxy can fetch it: no waiting here.
    const note = parseSignedNote(await (await fetch(`${url}/ledger/checkpoint`)).text()).value!;
    expect(note.signatures).toHaveLength(2);
    const size = Number(parseCheckpoint(note.text).value!.size);
    expect(size).toBeGreaterThanOrEqual(2);
    const bundle = await fetch(`${url}/ledger/tile/entries/000.p/${size}`);
    expect(bundle.headers.get("cache-control")).toBe("no-cache");
    const entries = parseBundle(new Uint8Array(await bundle.arrayBuffer()), size).value!;
    const records = entries.map((e) => ({ digest: sha256Hex(e), record: decodeRecord(e).value! }));
    const published = records.find((r) => r.record.kind === "table_published" && r.record.table_sha256 === sha256Hex(table))!;
    expect(published.record).toMatchObject({ kind: "table_published", table_sha256: sha256Hex(table) });
    // The default configuration's planner made it: the predictive one, no fallback.
    expect(published.record).toMatchObject({ planner: { name: "predictive", fallback_reason: null } });
    const inputs = records.find((r) => r.digest === (published.record as { inputs_sha256: string }).inputs_sha256);
    expect(inputs?.record.kind).toBe("energy_snapshot");
    expect(controller.ledger?.vkeys).toHaveLength(2);
  });

  it("serves tiles with C2SP paths and refuses malformed ones", async () => {
    const url = `http://127.0.0.1:${controller.httpPort}`;
    expect((await fetch(`${url}/ledger/tile/0/x001/000`)).status).toBe(404);
    const bad = await fetch(`${url}/ledger/tile/0/0001`);
    expect(bad.status).toBe(400);
  });
});

describe("ledger proofs over HTTP", () => {
  const url = () => `http://127.0.0.1:${controller.httpPort}`;
  const head = async () => {
    const note = parseSignedNote(await (await fetch(`${url()}/ledger/checkpoint`)).text()).value!;
    return parseCheckpoint(note.text).value!;
  };
  const waitForSize = async (min: bigint) => {
    for (let i = 0; i < 100; i++) {
      const c = await head();
      if (c.size >= min) return c;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`checkpoint never reached ${min}`);
  };

  it("serves entries and inclusion proofs that verify against the checkpoint", async () => {
    const c = await waitForSize(2n);
    const entry = new Uint8Array(await (await fetch(`${url()}/ledger/entry/1`)).arrayBuffer());
    expect(decodeRecord(entry).value).toBeDefined();
    const proof = (await (await fetch(`${url()}/ledger/proof/inclusion?index=1`)).json()) as {
      tree_size: number; root_hash: string; inclusion_path: string[];
    };
    expect(proof.tree_size).toBe(Number(c.size));
    const path = proof.inclusion_path.map((h) => new Uint8Array(Buffer.from(h, "base64")));
    expect(verifyInclusion(1, Number(c.size), hashLeaf(entry), path, c.rootHash).error).toBeUndefined();
    const bad = await fetch(`${url()}/ledger/proof/inclusion?index=${c.size}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("index");
  });

  it("serves consistency proofs between an older checkpoint and the current one", async () => {
    const older = await waitForSize(2n);
    // A health change re-plans at once: a new table, so two more records.
    const res = await fetch(`${url()}/v1/energy`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${WRITER}` },
      body: JSON.stringify({ readings: [{ site: "berlin", timestamp: Date.now(), health: "unhealthy" }] }),
    });
    expect(res.status).toBe(200);
    const newer = await waitForSize(older.size + 2n);
    const proof = (await (await fetch(`${url()}/ledger/proof/consistency?from=${older.size}&to=${newer.size}`)).json()) as {
      consistency_path: string[];
    };
    const path = proof.consistency_path.map((h) => new Uint8Array(Buffer.from(h, "base64")));
    expect(verifyConsistency(Number(older.size), Number(newer.size), path, older.rootHash, newer.rootHash).error).toBeUndefined();
  });
});

describe("LedgerService over gRPC", () => {
  it("answers checkpoint, entry and proofs like the HTTP API, and names a bad argument", async () => {
    const v1 = (loadLedgerProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
    const Client = v1["LedgerService"] as grpc.ServiceClientConstructor;
    const client = new Client(`127.0.0.1:${controller.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    const call = <T>(method: string, request: object) =>
      new Promise<{ error: grpc.ServiceError | null; response: T }>((resolve) =>
        client[method]!(request, (error: grpc.ServiceError | null, response: T) => resolve({ error, response })));
    try {
      const { response: cp } = await call<{ note: string }>("GetCheckpoint", {});
      const c = parseCheckpoint(parseSignedNote(cp.note).value!.text).value!;
      const { response: entry } = await call<{ record: Buffer }>("GetEntry", { index: 0 });
      expect(decodeRecord(new Uint8Array(entry.record)).value).toBeDefined();
      const { response: p } = await call<{ tree_size: number; path: Buffer[] }>("GetInclusionProof", { index: 0, tree_size: Number(c.size) });
      expect(verifyInclusion(0, p.tree_size, hashLeaf(new Uint8Array(entry.record)), p.path.map((b) => new Uint8Array(b)), c.rootHash).error)
        .toBeUndefined();
      const { error } = await call("GetInclusionProof", { index: 1_000_000 });
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.metadata.get("field")).toEqual(["index"]);
    } finally {
      client.close();
    }
  });
});
