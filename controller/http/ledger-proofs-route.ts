// Proofs and entries over HTTP, for auditors and monitors that do not want to fetch tiles:
// GET /ledger/entry/<index>, GET /ledger/proof/inclusion?index=N[&size=S],
// GET /ledger/proof/consistency?from=M[&to=N]. Sizes default to the stored checkpoint's, and
// nothing beyond it is answered (queries.ts refuses such an index or size, naming it).
import type { FastifyInstance, FastifyReply } from "fastify";
import { ControllerError } from "../errors/controller-error.js";
import { consistency, entryAt, inclusion } from "../ledger/queries.js";
import type { LogStorage } from "../ledger/storage/storage.js";
import { sendError } from "./errors.js";

const b64 = (h: Uint8Array): string => Buffer.from(h).toString("base64");

function intParam(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw ControllerError.invalid(field, `expected a non-negative integer, got '${value}'`);
  return Number(value);
}

function required(value: number | undefined, field: string): number {
  if (value === undefined) throw ControllerError.invalid(field, "required");
  return value;
}

async function answer<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ControllerError) return sendError(reply, e);
    throw e;
  }
}

export function registerLedgerProofRoutes(app: FastifyInstance, storage: LogStorage): void {
  app.get<{ Params: { index: string } }>("/ledger/entry/:index", (request, reply) =>
    answer(reply, async () => {
      const bytes = await entryAt(storage, required(intParam(request.params.index, "index"), "index"));
      return reply.header("content-type", "application/json").send(Buffer.from(bytes));
    }));

  app.get<{ Querystring: { index?: string; size?: string } }>("/ledger/proof/inclusion", (request, reply) =>
    answer(reply, async () => {
      const p = await inclusion(storage, required(intParam(request.query.index, "index"), "index"), intParam(request.query.size, "size"));
      return { index: p.index, tree_size: p.treeSize, root_hash: b64(p.rootHash), leaf_hash: b64(p.leafHash), inclusion_path: p.path.map(b64) };
    }));

  app.get<{ Querystring: { from?: string; to?: string } }>("/ledger/proof/consistency", (request, reply) =>
    answer(reply, async () => {
      const p = await consistency(storage, required(intParam(request.query.from, "from"), "from"), intParam(request.query.to, "to"));
      return { from: p.from, to: p.to, consistency_path: p.path.map(b64) };
    }));
}
