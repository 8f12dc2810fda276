// The ledger's static resources through fastify's inject: only what the stored checkpoint covers
// is served, and only full tiles within it are cached as immutable.
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { registerLedgerProofRoutes } from "../../../controller/http/ledger-proofs-route.js";
import { registerLedgerRoutes } from "../../../controller/http/ledger-route.js";
import { PosixStorage } from "../../../controller/ledger/storage/posix/posix-storage.js";
import { open, tempDir } from "../ledger/log/support.js";
import { recordBytes } from "../ledger/verify/support.js";

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function served(storage: PosixStorage) {
  const app = Fastify();
  registerLedgerRoutes(app, storage);
  registerLedgerProofRoutes(app, storage);
  await app.ready();
  apps.push(app);
  return async (path: string) => {
    const res = await app.inject({ method: "GET", url: `/ledger/${path}` });
    return { status: res.statusCode, cache: res.headers["cache-control"], bytes: res.rawPayload };
  };
}

describe("GET /ledger/tile/...", () => {
  it("serves what the checkpoint covers, immutable only when full, and 404 beyond it", async () => {
    const storage = new PosixStorage(await tempDir());
    const log = await open(storage, { partialGraceMs: 60_000 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(recordBytes(i))));
    await log.flush();
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(recordBytes(200 + i))));
    await log.flush();
    expect(log.size).toBe(300);
    const get = await served(storage);

    for (const path of ["tile/0/000", "tile/entries/000"]) expect(await get(path)).toMatchObject({ status: 200, cache: "public, max-age=604800, immutable" });
    for (const path of ["tile/0/001.p/44", "tile/entries/001.p/44", "tile/1/000.p/1"]) expect(await get(path)).toMatchObject({ status: 200, cache: "no-cache" });
    // The previous checkpoint's partial is still served, without long-lived caching.
    expect(await get("tile/entries/000.p/200")).toMatchObject({ status: 200, cache: "no-cache" });
    expect((await get("tile/0/001.p/44")).bytes).toEqual(Buffer.from((await storage.readTile(0, 1, 44))!));

    // What an integration in progress has written, before its checkpoint: never served.
    await storage.writeEntryBundle(1, 50, recordBytes(1));
    await storage.writeTile({ level: 0, index: 1, width: 256 }, new Uint8Array(8192));
    await storage.writeTile({ level: 0, index: 2, width: 3 }, new Uint8Array(96));
    for (const path of ["tile/entries/001.p/50", "tile/0/001", "tile/0/002.p/3", "tile/entries/001"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.cache, path).toBeUndefined();
    }
    expect((await get("tile/0/0001")).status).toBe(400);
  });

  it("answers 404 while there is no checkpoint", async () => {
    const get = await served(new PosixStorage(await tempDir()));
    expect((await get("checkpoint")).status).toBe(404);
    expect((await get("tile/0/000.p/1")).status).toBe(404);
  });

  it("answers entries and proofs only within the checkpoint, also for an older size whose partials are gone", async () => {
    const storage = new PosixStorage(await tempDir());
    // No grace: partials of older checkpoints go at the next integration but one.
    const log = await open(storage, { partialGraceMs: 0 });
    for (const n of [10, 20, 30]) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(recordBytes(n + i))));
      await log.flush();
    }
    expect(await storage.list()).not.toContain("tile/0/000.p/10");
    const get = await served(storage);
    expect((await get("entry/29")).status).toBe(200);
    expect((await get("entry/30")).status).toBe(400);
    expect((await get("proof/inclusion?index=3&size=10")).status).toBe(200);
    expect((await get("proof/consistency?from=10&to=20")).status).toBe(200);
    expect((await get("proof/inclusion?index=3&size=31")).status).toBe(400);
  });
});
