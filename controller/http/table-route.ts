// GET /v1/table: the binary weight table with ETag = version. With If-None-Match naming the
// version a proxy holds and ?wait_ms=N, the request is held until a version above it is published
// (200) or the wait ends (304): a long poll, so new tables reach proxies within milliseconds.
//
// One publish answers every held poll at once, so the answer is built once per version (status,
// headers, body); a fan-out writes it as prepared bytes (fan-out-answer.ts), other answers go
// through writeHead/end with the same headers.
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { PublishedTable, TableFeed } from "../delivery/table-feed.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { sendError } from "./errors.js";
import { ControllerError, Code } from "../errors/controller-error.js";
import { FanOutWriter, prepareAnswer, takesPreparedAnswer, type PreparedAnswer } from "./fan-out-answer.js";

export const TABLE_CONTENT_TYPE = "application/vnd.solar-router.table";

/** `"123"` or `W/"123"` → 123n; anything else → null (treated as "holds no table"). */
export function parseEtag(header: string | undefined): bigint | null {
  const m = header?.trim().match(/^(?:W\/)?"(\d{1,20})"$/);
  return m ? BigInt(m[1]!) : null;
}

/** The two answers for one version, headers as flat [name, value, …] lists for writeHead. */
interface Answers {
  table: PublishedTable;
  body: Buffer;
  ok: string[];
  notModified: string[];
  /** The 200 as bytes, built at the first fan-out of this version (it carries that moment's Date). */
  prepared: PreparedAnswer | null;
}

function answersFor(table: PublishedTable): Answers {
  const etag = `"${table.version}"`;
  return {
    table,
    body: Buffer.from(table.bytes.buffer, table.bytes.byteOffset, table.bytes.byteLength),
    ok: ["content-type", TABLE_CONTENT_TYPE, "etag", etag, "cache-control", "no-cache", "content-length", String(table.bytes.byteLength)],
    notModified: ["etag", etag],
    prepared: null,
  };
}

/** Headers hooks set on the reply before the handler (e.g. rate-limit counters); ours win. */
function withExtra(ours: string[], extra: Record<string, unknown> | null): string[] {
  if (extra === null) return ours;
  const names = new Set(ours.filter((_, i) => i % 2 === 0));
  const merged = [...ours];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || names.has(name.toLowerCase())) continue;
    for (const v of Array.isArray(value) ? value : [value]) merged.push(name, String(v));
  }
  return merged;
}

type Outcome = "fetched" | "not_modified" | "unavailable";

/** Outcome counts, added to the counter once per turn of the event loop rather than per poll. */
class Tally {
  private readonly counts: Record<Outcome, number> = { fetched: 0, not_modified: 0, unavailable: 0 };
  private flushing = false;

  constructor(private readonly metrics: ControllerMetrics, private readonly feed: TableFeed) {}

  count(outcome: Outcome): void {
    this.counts[outcome]++;
    this.changed();
  }

  /** Also keeps the held-polls gauge in step with the feed. */
  changed(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      for (const outcome of Object.keys(this.counts) as Outcome[]) {
        if (this.counts[outcome] > 0) this.metrics.tableRequests.inc({ outcome }, this.counts[outcome]);
        this.counts[outcome] = 0;
      }
      this.metrics.tableWaiters.set(this.feed.waiting);
    });
  }
}

export interface TableRouteOptions {
  /** Longest a poll is held. */
  readonly maxWaitMs: number;
  /** Whether a publish answers held polls with prepared bytes; false: writeHead/end for every one. */
  readonly preparedFanOut: boolean;
}

export function registerTableRoute(app: FastifyInstance, feed: TableFeed, metrics: ControllerMetrics, options: TableRouteOptions): void {
  const { maxWaitMs, preparedFanOut } = options;
  let cached: Answers | null = null;
  const answers = (table: PublishedTable): Answers => (cached?.table === table ? cached : (cached = answersFor(table)));
  const tally = new Tally(metrics, feed);
  const fanOut = new FanOutWriter();

  /** Answers from the feed: 200 with `table`, else 304 naming the served version, else 503. */
  const answer = (reply: FastifyReply, table: PublishedTable | null, extra: Record<string, unknown> | null): void => {
    const res: ServerResponse = reply.raw;
    if (res.destroyed || res.headersSent) return;
    if (table !== null) {
      const a = answers(table);
      reply.hijack();
      res.writeHead(200, withExtra(a.ok, extra));
      res.end(a.body);
      tally.count("fetched");
      return;
    }
    const current = feed.latest();
    if (current === null) {
      tally.count("unavailable");
      sendError(reply, new ControllerError(Code.Unavailable, "no weight table published yet", undefined, 1));
      return;
    }
    reply.hijack();
    res.writeHead(304, withExtra(answers(current).notModified, extra));
    res.end();
    tally.count("not_modified");
  };

  app.get<{ Querystring: { wait_ms?: string } }>("/v1/table", (request, reply) => {
    const rawWait = request.query.wait_ms ?? "0";
    if (!/^\d{1,9}$/.test(rawWait)) {
      sendError(reply, ControllerError.invalid("wait_ms", `expected milliseconds 0..${maxWaitMs}, got '${rawWait}'`));
      return;
    }
    const waitMs = Math.min(Number(rawWait), maxWaitMs);
    const seen = parseEtag(request.headers["if-none-match"]);
    if (reply.raw.destroyed) return; // gone before we got here: nothing to hold or answer
    const headers = reply.getHeaders();
    const extra = Object.keys(headers).length > 0 ? headers : null;
    const hold = feed.wait(seen, waitMs, (table) => {
      if (preparedFanOut && table !== null && extra === null && takesPreparedAnswer(request.raw, reply.raw)) {
        const a = answers(table);
        a.prepared ??= prepareAnswer(a.ok, a.body, app.server, Date.now());
        reply.hijack();
        fanOut.write(reply.raw, a.prepared);
        tally.count("fetched");
        return;
      }
      answer(reply, table, extra);
    });
    if (hold === null) {
      const current = feed.latest();
      answer(reply, current !== null && (seen === null || current.version > seen) ? current : null, extra);
      return;
    }
    tally.changed();
    // The proxy went away (or the connection broke): stop holding it.
    reply.raw.once("close", () => {
      if (hold.cancel()) tally.changed();
    });
  });
}
