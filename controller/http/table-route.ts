// GET /v1/table: the binary weight table with ETag = version. With If-None-Match naming the
// version a proxy holds and ?wait_ms=N, the request is held until a newer version is published
// (200) or the wait ends (304): a long poll, so new tables reach proxies within milliseconds.
import type { FastifyInstance } from "fastify";
import type { TableFeed } from "../delivery/table-feed.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { sendError } from "./errors.js";
import { ControllerError, Code } from "../errors/controller-error.js";

export const TABLE_CONTENT_TYPE = "application/vnd.solar-router.table";

/** `"123"` or `W/"123"` → 123n; anything else → null (treated as "holds no table"). */
export function parseEtag(header: string | undefined): bigint | null {
  const m = header?.trim().match(/^(?:W\/)?"(\d{1,20})"$/);
  return m ? BigInt(m[1]!) : null;
}

export function registerTableRoute(app: FastifyInstance, feed: TableFeed, metrics: ControllerMetrics, maxWaitMs: number): void {
  app.get<{ Querystring: { wait_ms?: string } }>("/v1/table", async (request, reply) => {
    const rawWait = request.query.wait_ms ?? "0";
    if (!/^\d{1,9}$/.test(rawWait)) {
      return sendError(reply, ControllerError.invalid("wait_ms", `expected milliseconds 0..${maxWaitMs}, got '${rawWait}'`));
    }
    const waitMs = Math.min(Number(rawWait), maxWaitMs);
    const seen = parseEtag(request.headers["if-none-match"]);
    const aborted = new AbortController();
    request.raw.once("close", () => aborted.abort());
    metrics.tableWaiters.inc();
    let table;
    try {
      table = await feed.newerThan(seen, waitMs, aborted.signal);
    } finally {
      metrics.tableWaiters.dec();
    }
    const current = feed.latest();
    if (table === null && current === null) {
      metrics.tableRequests.inc({ outcome: "unavailable" });
      return sendError(reply, new ControllerError(Code.Unavailable, "no weight table published yet", undefined, 1));
    }
    if (table === null) {
      metrics.tableRequests.inc({ outcome: "not_modified" });
      return reply.code(304).header("etag", `"${current!.version}"`).send();
    }
    metrics.tableRequests.inc({ outcome: "fetched" });
    return reply
      .code(200)
      .header("content-type", TABLE_CONTENT_TYPE)
      .header("etag", `"${table.version}"`)
      .header("cache-control", "no-cache")
      .send(Buffer.from(table.bytes.buffer, table.bytes.byteOffset, table.bytes.byteLength));
  });
}
