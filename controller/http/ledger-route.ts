// The ledger's tiles and checkpoint as static resources under /ledger/, with the content types
// and cache lifetimes c2sp.org/tlog-tiles asks for. Only what the stored checkpoint covers is
// served: a tile or bundle wider than its size implies, or past its end, belongs to an
// integration still running (or one that crashed) and answers 404, since it may yet change or
// vanish. Full tiles within the checkpoint never change and are cached as immutable; partial ones
// and the checkpoint are not.
import type { FastifyInstance } from "fastify";
import { TILE_WIDTH, parseTilePath, tileWidth } from "../ledger/merkle/tile-path.js";
import { parseHead } from "../ledger/read-log.js";
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
    const what = resource.kind === "tile" ? "tile" : "entry bundle";
    const note = await storage.readCheckpoint();
    if (note === undefined) return sendError(reply, new ControllerError(Code.NotFound, "no checkpoint yet"));
    const { size } = parseHead(note);
    const covered = tileWidth(resource.kind === "tile" ? resource.level : 0, resource.index, size);
    if (resource.width > covered) return sendError(reply, new ControllerError(Code.NotFound, `no such ${what} in the checkpoint of size ${size}`));
    const bytes = resource.kind === "tile"
      ? await storage.readTile(resource.level, resource.index, resource.width)
      : await storage.readEntryBundle(resource.index, resource.width);
    if (bytes === undefined) return sendError(reply, new ControllerError(Code.NotFound, `no such ${what}`));
    return reply
      .header("content-type", "application/octet-stream")
      .header("cache-control", resource.width === TILE_WIDTH ? IMMUTABLE : SHORT)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
