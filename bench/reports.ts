// `npm run bench:reports`: the controller's HTTP API in a process of its own, flooded with the
// largest filter reports for configured services (4,096 entries over many table versions,
// 355 KB each, every one from another reporter) at a fixed rate for --seconds, while /healthz is probed
// every 50 ms. Prints the answers by status, the controller's RSS before, at its peak and at the
// end, and /healthz latency p50/p99/max during the flood.
//
// Usage: npx tsx bench/reports.ts [--seconds 20] [--reports 264]
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { crc32 } from "node:zlib";
import { loadConfig } from "../controller/config/load.js";
import { TableFeed } from "../controller/delivery/table-feed.js";
import { SiteEnergy } from "../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../controller/http/server.js";
import { createLogger } from "../controller/ops/logger.js";
import { ControllerMetrics } from "../controller/ops/metrics.js";
import { MAX_REPORT_ENTRIES, REPORT_CONTENT_TYPE, type ReportEntry } from "../controller/ingest/reports/decode.js";
import { encodeReport } from "../controller/ingest/reports/encode.js";
import { Observations } from "../controller/ingest/reports/observations.js";
import { Credentials } from "../controller/auth/credentials.js";

/** Reports carry a proxy's reader credential, as the filter sends them. */
const READER_TOKEN = "reports-bench-reader-0123456789";

interface Ready { port: number; version: string }
interface Rss { rss: number }

/** The controller side: the HTTP API on the embedded configuration, one table published. */
async function serve(): Promise<void> {
  const config = await loadConfig(undefined);
  const feed = new TableFeed(60_000);
  const observations = new Observations(config.services);
  const app = createHttpApi({
    feed, energy: new SiteEnergy(config.sites), observations, metrics: new ControllerMetrics(), logger: createLogger("silent"),
    credentials: Credentials.fromTokens({ reader: [READER_TOKEN], writer: [] }), ledgerStorage: null, maxWaitMs: 1_000, ready: () => true,
  });
  const table = feed.prepare([]);
  feed.publish(table);
  const { version } = table;
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  setInterval(() => process.send!({ rss: process.memoryUsage().rss } satisfies Rss), 100).unref();
  process.send!({ port, version: version.toString() } satisfies Ready);
}

function floodReport(firstVersion: bigint): Buffer {
  const pairs = ["shop.example.com", "search.example.com"].flatMap((service) =>
    ["site-sf", "site-ber", "site-syd"].map((upstream) => ({ service, upstream })));
  const entries: ReportEntry[] = Array.from({ length: MAX_REPORT_ENTRIES }, (_, i) => ({
    tableVersion: firstVersion + BigInt(Math.floor(i / pairs.length)), ...pairs[i % pairs.length]!,
    requests: 1_000, responses: 1_000, responses5xx: 0, latencyBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1_000],
  }));
  return Buffer.from(encodeReport({ reporter: 1n, windowStartMs: Date.now() - 10_000, windowEndMs: Date.now(), entries }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function flood(seconds: number, reports: number): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const rss: number[] = [];
  const ready = await new Promise<Ready>((resolve) => child.on("message", (m: Ready | Rss) => ("port" in m ? resolve(m) : rss.push(m.rss))));
  const base = `http://127.0.0.1:${ready.port}`;
  await new Promise((r) => setTimeout(r, 1_000));
  const rssBefore = rss.at(-1)!;
  // The published version and many after it: the shape of the flood that used to fill memory.
  const template = floodReport(BigInt(ready.version));
  const statuses = new Map<number, number>();
  const healthz: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await (await fetch(`${base}/healthz`)).text();
      healthz.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < reports; i++) {
    const due = started + (i * seconds * 1000) / reports;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const body = Buffer.from(template);
    body.writeBigUInt64LE(BigInt(i + 1), 8);
    body.writeUInt32LE(crc32(body.subarray(0, body.length - 4)), body.length - 4);
    sends.push(fetch(`${base}/v1/reports`, { method: "POST", headers: { "content-type": REPORT_CONTENT_TYPE, authorization: `Bearer ${READER_TOKEN}` }, body })
      .then(async (res) => {
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }, () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }));
  }
  await Promise.all(sends);
  const elapsedS = (performance.now() - started) / 1000;
  const peak = Math.max(...rss);
  await new Promise((r) => setTimeout(r, 500));
  probing = false;
  await probe;
  child.kill();
  const sorted = [...healthz].sort((a, b) => a - b);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  console.log(`${reports} reports of ${template.length} bytes in ${elapsedS.toFixed(1)} s; answers: ${
    [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? "no answer" : s} × ${n}`).join(", ")}`);
  console.log(`controller RSS: before ${mb(rssBefore)}, peak ${mb(peak)}, end ${mb(rss.at(-1)!)}`);
  console.log(`/healthz during the flood (${healthz.length} probes): p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${
    percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
}

const { values } = parseArgs({ options: { serve: { type: "boolean" }, seconds: { type: "string", default: "20" }, reports: { type: "string", default: "264" } } });
if (values.serve) await serve();
else await flood(Number(values.seconds), Number(values.reports));
