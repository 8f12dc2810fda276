// Proofs and entries over HTTP, for auditors and monitors that do not want to fetch tiles:
// GET /ledger/entry/<index>, GET /ledger/proof/inclusion?index=N[&size=S],
// GET /ledger/proof/consistency?from=M[&to=N]. Sizes default to the current checkpoint's.
import type { FastifyInstance } from "fastify";
import { proveInclusion, readEntry, readHead, readTiles } from "../ledger/cli/read-log.js";
import { buildProof, consistencyPlan, planNodes } from "../ledger/merkle/proofs.js";
import { tileNodeSource, tilesForNodes } from "../ledger/merkle/tile-hashes.js";
import { tilePath } from "../ledger/merkle/tile-path.js";
import type { LogStorage } from "../ledger/storage/storage.js";
import { ControllerError } from "../errors/controller-error.js";
import { sendError } from "./errors.js";

const b64 = (h: Uint8Array): string => Buffer.from(h).toString("base64");

function intParam(value: string | undefined, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined || !/^\d{1,15}$/.test(value)) throw ControllerError.invalid(field, `expected a non-negative integer, got '${value ?? ""}'`);
  return Number(value);
}

export function registerLedgerProofRoutes(app: FastifyInstance, storage: LogStorage): void {
  app.get<{ Params: { index: string } }>("/ledger/entry/:index", async (request, reply) => {
    try {
      const head = await readHead(storage);
      const index = intParam(request.params.index, "index");
      if (index >= head.size) throw ControllerError.invalid("index", `${index} is not below the log size ${head.size}`);
      const bytes = await readEntry(storage, index, head.size);
      return reply.header("content-type", "application/json").send(Buffer.from(bytes));
    } catch (e) {
      return sendError(reply, e instanceof ControllerError ? e : ControllerError.invalid("index", (e as Error).message));
    }
  });

  app.get<{ Querystring: { index?: string; size?: string } }>("/ledger/proof/inclusion", async (request, reply) => {
    try {
      const head = await readHead(storage);
      const size = intParam(request.query.size, "size", head.size);
      const index = intParam(request.query.index, "index");
      if (size > head.size) throw ControllerError.invalid("size", `${size} is larger than the checkpoint's ${head.size}`);
      if (index >= size) throw ControllerError.invalid("index", `${index} is not below size ${size}`);
      const p = await proveInclusion(storage, head, index, size);
      return { index, tree_size: size, root_hash: b64(p.root), leaf_hash: b64(p.leafHash), inclusion_path: p.proof.map(b64) };
    } catch (e) {
      return sendError(reply, e instanceof ControllerError ? e : ControllerError.invalid("index", (e as Error).message));
    }
  });

  app.get<{ Querystring: { from?: string; to?: string } }>("/ledger/proof/consistency", async (request, reply) => {
    try {
      const head = await readHead(storage);
      const to = intParam(request.query.to, "to", head.size);
      const from = intParam(request.query.from, "from");
      if (to > head.size) throw ControllerError.invalid("to", `${to} is larger than the checkpoint's ${head.size}`);
      const plan = consistencyPlan(from, to);
      if (plan.error) throw plan.error;
      const tiles = await readTiles(storage, tilesForNodes(planNodes(plan.value), to));
      const proof = buildProof(plan.value, tileNodeSource((level, index, width) => {
        const bytes = tiles.get(tilePath({ level, index, width }));
        if (!bytes) throw new Error(`${tilePath({ level, index, width })}: missing`);
        return bytes;
      }, to));
      return { from, to, consistency_path: proof.map(b64) };
    } catch (e) {
      return sendError(reply, e instanceof ControllerError ? e : ControllerError.invalid("from", (e as Error).message));
    }
  });
}
