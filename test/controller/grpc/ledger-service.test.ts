// LedgerService when the log cannot be read: INTERNAL without the storage's own message (which
// names files on disk), the error logged once on the controller's side, and the service goes on.
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { loadLedgerProto } from "../../../controller/grpc/ledger-service.js";
import { createGrpcApi, type GrpcApi } from "../../../controller/grpc/server.js";
import type { LogStorage } from "../../../controller/ledger/storage/storage.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { credentials } from "../auth/support.js";

const PATH = "/var/lib/solar/ledger/checkpoint";

/** A storage whose every read fails the way a disk does. */
function failingStorage(): LogStorage & { reads: number } {
  const fail = async (): Promise<never> => {
    storage.reads++;
    throw Object.assign(new Error(`EACCES: permission denied, open '${PATH}'`), { code: "EACCES" });
  };
  const storage = {
    reads: 0,
    readCheckpoint: fail, readTile: fail, readEntryBundle: fail, list: fail,
    writeCheckpoint: fail, writeTile: fail, writeEntryBundle: fail, remove: fail, lockWriter: fail, unlockWriter: fail,
  } as unknown as LogStorage & { reads: number };
  return storage;
}

let api: GrpcApi | undefined;
let client: grpc.Client & Record<string, Function> | undefined;
afterEach(async () => {
  client?.close();
  await api?.close();
});

describe("LedgerService on a log it cannot read", () => {
  it("answers INTERNAL without the storage's details and logs them", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } }));
    const storage = failingStorage();
    api = createGrpcApi(new SiteEnergy((await loadConfig(undefined)).sites), new ControllerMetrics(), storage, credentials(), logger);
    const port = await api.listen("127.0.0.1:0");
    const v1 = (loadLedgerProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
    const Ledger = v1["LedgerService"] as grpc.ServiceClientConstructor;
    client = new Ledger(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
    for (const method of ["GetCheckpoint", "GetEntry"]) {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => client![method]!({ index: 0 }, (e: grpc.ServiceError | null) => resolve(e)));
      expect(error?.code).toBe(grpc.status.INTERNAL);
      expect(error?.details).toBe("internal error: the ledger could not be read");
      expect(error?.details).not.toContain(PATH);
    }
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; method: string; err?: { code?: string } });
    expect(logged.filter((l) => l.msg === "ledger read failed").map((l) => [l.method, l.err?.code])).toEqual([
      ["GetCheckpoint", "EACCES"], ["GetEntry", "EACCES"],
    ]);
    expect(storage.reads).toBe(2);
  });
});
