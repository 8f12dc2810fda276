// A minimal static server for a log directory under /ledger/, as the controller serves it.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface Served {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function serveDir(dir: string, options: { failWith?: number } = {}): Promise<Served> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(req.url ?? "/")).replace(/^\/ledger\//, "");
    requests.push(path);
    if (options.failWith) {
      res.writeHead(options.failWith).end();
      return;
    }
    readFile(join(dir, path)).then(
      (bytes) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes),
      () => res.writeHead(404).end("not found"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ledger`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
