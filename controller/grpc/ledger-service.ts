// The gRPC LedgerService: checkpoint, entries and proofs from the stored tiles, answered by the
// same queries as the HTTP API, so only for what the stored checkpoint covers; a bad argument
// (an index or size beyond it included) is INVALID_ARGUMENT naming it.
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Code, ControllerError } from "../errors/controller-error.js";
import { checkpointNote, consistency, entryAt, inclusion } from "../ledger/queries.js";
import type { LogStorage } from "../ledger/storage/storage.js";
import type { Logger } from "../ops/logger.js";
import { toServiceError } from "./errors.js";

export const LEDGER_PROTO = join(import.meta.dirname, "ledger.proto");

export function loadLedgerProto(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(LEDGER_PROTO, { keepCase: true, longs: Number, defaults: true });
  return grpc.loadPackageDefinition(definition);
}

export function ledgerServiceDefinition(): grpc.ServiceDefinition {
  const v1 = (loadLedgerProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
  return (v1["LedgerService"] as grpc.ServiceClientConstructor).service;
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function unary<Req, Res>(logger: Logger, method: string, work: (request: Req) => Promise<Res>): Handler<Req, Res> {
  return (call, callback) => {
    work(call.request).then((res) => callback(null, res), (e: unknown) => {
      // Anything but a refused argument is the log's own trouble (a missing or damaged tile, a
      // disk error): logged here, and answered without its details (they name files on disk).
      if (!(e instanceof ControllerError)) logger.error({ err: e, method }, "ledger read failed");
      const error = e instanceof ControllerError ? e : new ControllerError(Code.Internal, "internal error: the ledger could not be read");
      callback(toServiceError(error), null);
    });
  };
}

export function ledgerServiceHandlers(storage: LogStorage, logger: Logger): grpc.UntypedServiceImplementation {
  return {
    GetCheckpoint: unary(logger, "GetCheckpoint", async () => ({ note: await checkpointNote(storage) })),
    GetEntry: unary(logger, "GetEntry", async (r: { index: number }) => ({ index: r.index, record: Buffer.from(await entryAt(storage, r.index)) })),
    GetInclusionProof: unary(logger, "GetInclusionProof", async (r: { index: number; tree_size: number }) => {
      const p = await inclusion(storage, r.index, r.tree_size === 0 ? undefined : r.tree_size);
      return { index: p.index, tree_size: p.treeSize, root_hash: Buffer.from(p.rootHash), leaf_hash: Buffer.from(p.leafHash), path: p.path.map((h) => Buffer.from(h)) };
    }),
    GetConsistencyProof: unary(logger, "GetConsistencyProof", async (r: { from: number; to: number }) => {
      const p = await consistency(storage, r.from, r.to === 0 ? undefined : r.to);
      return { from: p.from, to: p.to, path: p.path.map((h) => Buffer.from(h)) };
    }),
  };
}
