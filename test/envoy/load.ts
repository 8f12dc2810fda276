import { Agent, request, type OutgoingHttpHeaders } from "node:http";
import { SERVED_BY_HEADER } from "./envoy-config.js";

export interface SendRequestsOptions {
  count: number;
  /** Parallel requests, each on its own keep-alive connection. */
  concurrency?: number;
  headers?: Record<string, string>;
  hostHeader?: string;
  path?: string;
  method?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Whole-run bound: requests not started by then are not sent. */
  deadlineMs?: number;
}

export interface LoadResult {
  sent: number;
  /** `x-served-by` value → responses ("<none>" when the header is missing). */
  byServedBy: Record<string, number>;
  /** status code → responses */
  byStatus: Record<string, number>;
  errors: number;
  /** First few error messages. */
  errorSamples: string[];
  durationMs: number;
}

const MAX_ERROR_SAMPLES = 10;

export async function sendRequests(url: string, options: SendRequestsOptions): Promise<LoadResult> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, options.count));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const target = new URL(options.path ?? "/", url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const headers: OutgoingHttpHeaders = { ...options.headers };
  if (options.hostHeader) headers.host = options.hostHeader;

  const result: LoadResult = { sent: 0, byServedBy: {}, byStatus: {}, errors: 0, errorSamples: [], durationMs: 0 };
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const recordError = (message: string) => {
    result.errors++;
    if (result.errorSamples.length < MAX_ERROR_SAMPLES) result.errorSamples.push(message);
  };

  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        target,
        { method: options.method ?? "GET", agent, headers, timeout: timeoutMs },
        (res) => {
          bump(result.byStatus, String(res.statusCode ?? 0));
          const servedBy = res.headers[SERVED_BY_HEADER];
          bump(result.byServedBy, typeof servedBy === "string" ? servedBy : "<none>");
          res.resume(); // drain so the connection goes back to the pool
          res.on("end", resolve);
          res.on("error", (err) => {
            recordError(`response: ${err.message}`);
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
      req.on("error", (err) => {
        recordError(err.message);
        resolve();
      });
      req.end();
    });

  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < options.count && Date.now() < deadline) {
      next++;
      result.sent++;
      await one();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  result.durationMs = Date.now() - started;
  return result;
}
