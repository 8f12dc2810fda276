// Reads a log served under a base URL (e.g. http://controller/ledger) by tlog-tiles paths. A 404
// is "not stored"; any other failure throws, since the reader cannot tell what the log holds.
import { entriesPath, tilePath } from "../merkle/tile-path.js";
import type { LogReader } from "./log-reader.js";

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export interface HttpReaderOptions {
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export class HttpReader implements LogReader {
  readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: HttpReaderOptions = {}) {
    const url = new URL(baseUrl); // throws on a malformed URL, once, here
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`baseUrl: ${baseUrl} is not http(s)`);
    this.base = url.href.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError(`timeoutMs: must be > 0, got ${this.timeoutMs}`);
  }

  readCheckpoint(): Promise<Uint8Array | undefined> {
    return this.get("checkpoint");
  }

  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return this.get(tilePath({ level, index, width }));
  }

  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined> {
    return this.get(entriesPath(index, width));
  }

  private async get(path: string): Promise<Uint8Array | undefined> {
    const response = await this.fetchFn(`${this.base}/${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET ${this.base}/${path}: HTTP ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }
}
