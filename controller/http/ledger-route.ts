// The ledger's tiles and checkpoint as static resources under /ledger/, with the content types
// and cache lifetimes c2sp.org/tlog-tiles asks for: full tiles never change, partial ones and the
// checkpoint do.
import type { FastifyInstance } from "fastify";
import { parseTilePath } from "../ledger/merkle/tile-path.js";
import type { LogStorage } from "../ledger/storage/storage.js";
import { ControllerError, Code } from "../errors/controller-error.js";
import { sendError } from "./errors.js";

const IMMUTABLE = "public, max-age=604800, immutable";
const SHORT = "no-cache";

export function registerLedgerRoutes(app: FastifyInstance, storage: LogStorage): void {
  app.get("/ledger/checkpoint", async (_request, reply) => {
    const note = await storage.readCheckpoint();
    if (note === undefined) return sendError(reply, new ControllerError(Code.NotFound, "no checkpoint yet"));
    return reply.header("content-type", "text/plain; charset=utf-8").header("cache-control", SHORT).send(Buffer.from(note));
  });

  app.get<{ Params: { "*": string } }>("/ledger/tile/*", async (request, reply) => {
    const parsed = parseTilePath(`tile/${request.params["*"]}`);
    if (parsed.error) return sendError(reply, parsed.error);
    const resource = parsed.value;
    const bytes = resource.kind === "tile"
      ? await storage.readTile(resource.level, resource.index, resource.width)
      : await storage.readEntryBundle(resource.index, resource.width);
    if (bytes === undefined) return sendError(reply, new ControllerError(Code.NotFound, `no such ${resource.kind === "tile" ? "tile" : "entry bundle"}`));
    return reply
      .header("content-type", "application/octet-stream")
      .header("cache-control", resource.width === 256 ? IMMUTABLE : SHORT)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
