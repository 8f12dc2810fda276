// A publish answers held polls with prepared bytes over real keep-alive sockets: the answer is
// byte for byte a valid HTTP/1.1 response with the same headers the regular path sends, the
// connection goes on serving requests afterwards, and polls the prepared answer does not fit
// (HTTP/1.0, Connection: close) get the regular one.
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials } from "../../../controller/auth/credentials.js";
import { loadConfig } from "../../../controller/config/load.js";
import { TableFeed, type PublishedTable } from "../../../controller/delivery/table-feed.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../../../controller/http/server.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { Observations } from "../../../controller/ingest/reports/observations.js";
import type { Service } from "../../../controller/table/weight-table.js";

const TOKEN = "fan-out-test-reader-0123456789";
const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A keep-alive connection that reads whole responses (content-length framed) in order. */
class Connection {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Array<(a: Answer) => void> = [];
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.drain();
    });
  }

  request(lines: string[]): Promise<Answer> {
    const answer = new Promise<Answer>((resolve) => this.waiting.push(resolve));
    this.socket.write(`${[...lines, `authorization: Bearer ${TOKEN}`].join("\r\n")}\r\n\r\n`);
    return answer;
  }

  get received(): number {
    return this.buffered.length;
  }

  private drain(): void {
    for (;;) {
      const end = this.buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...lines] = this.buffered.subarray(0, end).toString("latin1").split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const length = Number(headers["content-length"] ?? 0);
      if (this.buffered.length < end + 4 + length) return;
      const body = this.buffered.subarray(end + 4, end + 4 + length);
      this.buffered = this.buffered.subarray(end + 4 + length);
      this.waiting.shift()?.({ status: Number(statusLine!.split(" ")[1]), headers, body: Buffer.from(body) });
    }
  }
}

let app: FastifyInstance;
let feed: TableFeed;
let port: number;
const open: Connection[] = [];

beforeEach(async () => {
  const config = await loadConfig(undefined);
  feed = new TableFeed(60_000);
  app = createHttpApi({
    credentials: Credentials.fromTokens({ reader: [TOKEN], writer: [] }), feed, energy: new SiteEnergy(config.sites),
    observations: new Observations(config.services), metrics: new ControllerMetrics(), ledgerStorage: null,
    logger: createLogger("silent"), maxWaitMs: 10_000, ready: () => true,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy();
  await app.close();
});

function serve(): PublishedTable {
  const table = feed.prepare(services);
  feed.publish(table);
  return table;
}

function connection(): Connection {
  const c = new Connection(port);
  open.push(c);
  return c;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
}

const poll = (seen: bigint, version = "1.1", extra: string[] = []) =>
  [`GET /v1/table?wait_ms=10000 HTTP/${version}`, "host: controller.test", `if-none-match: "${seen}"`, ...extra];

describe("the fan-out answer", () => {
  it("is a complete response with the regular path's headers, and the connection serves on", async () => {
    const first = serve();
    const regular = await connection().request([`GET /v1/table HTTP/1.1`, "host: controller.test"]);
    const held = Array.from({ length: 20 }, () => connection());
    const answers = held.map((c) => c.request(poll(first.version)));
    await until(() => feed.waiting === held.length);
    const second = serve();
    for (const a of await Promise.all(answers)) {
      expect(a.status).toBe(200);
      expect(a.body).toEqual(Buffer.from(second.bytes));
      const { date, ...rest } = a.headers;
      const { date: regularDate, ...regularRest } = regular.headers;
      expect(Date.parse(date!)).toBeGreaterThan(0);
      expect(Date.parse(regularDate!)).toBeGreaterThan(0);
      expect(rest).toEqual({ ...regularRest, etag: `"${second.version}"` });
      expect(rest["connection"]).toBe("keep-alive");
    }
    // Nothing more arrived after each answer, and each connection takes its next poll.
    expect(held.every((c) => c.received === 0)).toBe(true);
    const next = await Promise.all(held.map((c) => c.request([`GET /v1/table?wait_ms=20 HTTP/1.1`, "host: controller.test", `if-none-match: "${second.version}"`])));
    for (const a of next) {
      expect(a.status).toBe(304);
      expect(a.headers["etag"]).toBe(`"${second.version}"`);
    }
  });

  it("leaves HTTP/1.0 and Connection: close polls to the regular answer, which closes the connection", async () => {
    const first = serve();
    const old = connection();
    const closing = connection();
    const answers = [old.request(poll(first.version, "1.0")), closing.request(poll(first.version, "1.1", ["connection: close"]))];
    await until(() => feed.waiting === 2);
    const second = serve();
    for (const a of await Promise.all(answers)) {
      expect(a.status).toBe(200);
      expect(a.headers["etag"]).toBe(`"${second.version}"`);
      expect(a.headers["connection"]).toBe("close");
      expect(a.body).toEqual(Buffer.from(second.bytes));
    }
    await until(() => old.socket.readableEnded && closing.socket.readableEnded);
  });
});
