import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SERVED_BY_HEADER, type UpstreamAddress } from "./envoy-config.js";

export interface Upstream {
  name: string;
  port: number;
  /** Requests this upstream has answered so far. */
  readonly requests: number;
}

export interface Upstreams {
  byName: Record<string, Upstream>;
  /** Name → address, the shape `buildEnvoyConfig({ upstreams })` takes. */
  addresses(): Record<string, UpstreamAddress>;
  /** Name → request count. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

/** One Node HTTP server per name on 127.0.0.1:0, answering 200 `<name>` with `x-served-by: <name>`. */
export async function startUpstreams(names: string[]): Promise<Upstreams> {
  const servers: Server[] = [];
  const byName: Record<string, Upstream> = {};
  try {
    for (const name of names) {
      if (byName[name]) throw new Error(`duplicate upstream name ${JSON.stringify(name)}`);
      let requests = 0;
      const server = createServer((req, res) => {
        requests++;
        req.resume();
        req.on("end", () => {
          res.writeHead(200, {
            "content-type": "text/plain",
            "content-length": Buffer.byteLength(name),
            [SERVED_BY_HEADER]: name,
          });
          res.end(name);
        });
      });
      // Envoy keeps upstream connections pooled; do not let Node close them under it.
      server.keepAliveTimeout = 60_000;
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      byName[name] = {
        name,
        port,
        get requests() {
          return requests;
        },
      };
    }
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
  return {
    byName,
    addresses: () => Object.fromEntries(Object.values(byName).map((u) => [u.name, { port: u.port }])),
    counts: () => Object.fromEntries(Object.values(byName).map((u) => [u.name, u.requests])),
    close: () => closeAll(servers),
  };
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
