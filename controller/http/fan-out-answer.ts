// The answer a publish sends to every held long poll, as one buffer of HTTP/1.1 bytes built once
// per version. Node's ServerResponse costs about 25 µs a response here (header building, writev
// of two chunks, finish events, garbage), as much again as the write itself: at 10,000 held polls
// that is the difference between every proxy having the table in ~250 ms and in ~500 ms. So a
// fan-out writes the prepared bytes straight to each socket, and only afterwards, once every proxy
// has its bytes, tells each response it is done so the connection serves its next request.
//
// Telling a response "already sent" uses ServerResponse's `_header`/`_headerSent` fields (what
// writeHead sets); nothing else here goes past the public API, and only keep-alive HTTP/1.1 polls
// on their own socket take this path: anything else is answered by writeHead/end as usual.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Socket } from "node:net";

/** One version's answer: the bytes on the wire and the header block ServerResponse is told it sent. */
export interface PreparedAnswer {
  readonly bytes: Buffer;
  readonly head: string;
}

/** Status line, headers (with the Date of the publish and the server's keep-alive) and body. */
export function prepareAnswer(headers: readonly string[], body: Buffer, server: Server, nowMs: number): PreparedAnswer {
  const lines = ["HTTP/1.1 200 OK"];
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  lines.push(`date: ${new Date(nowMs).toUTCString()}`, "connection: keep-alive");
  if (server.keepAliveTimeout > 0) lines.push(`keep-alive: timeout=${Math.floor(server.keepAliveTimeout / 1000)}`);
  const head = `${lines.join("\r\n")}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, "latin1"), body]), head };
}

/**
 * Whether this response may be answered with prepared bytes (else writeHead/end): a keep-alive
 * HTTP/1.1 request whose response owns a real, idle socket (not an injected one, nor one still
 * busy with an earlier response).
 */
export function takesPreparedAnswer(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = res.socket;
  return req.httpVersion === "1.1" && res.shouldKeepAlive && !res.headersSent && !res.writableEnded &&
    socket instanceof Socket && !socket.destroyed && socket.writableLength === 0;
}

/**
 * Answers held polls with prepared bytes: `write` puts them on the wire at once; `settle` (run
 * once the whole fan-out is written, in a microtask) ends each response without writing more.
 */
export class FanOutWriter {
  private settling: ServerResponse[] = [];

  write(res: ServerResponse, answer: PreparedAnswer): void {
    res.socket!.write(answer.bytes);
    res.statusCode = 200;
    const sent = res as unknown as { _header: string; _headerSent: boolean };
    sent._header = answer.head;
    sent._headerSent = true;
    if (this.settling.length === 0) queueMicrotask(() => this.settle());
    this.settling.push(res);
  }

  private settle(): void {
    const done = this.settling;
    this.settling = [];
    for (const res of done) res.end();
  }
}
