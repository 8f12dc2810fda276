// `npm run bench:fanout`: how fast one new table reaches many held long polls. The controller's
// HTTP API (createHttpApi) listens on loopback in this process; a second process holds N polls
// open over raw keep-alive sockets (`If-None-Match` = the current version, a long wait_ms). Each
// round, once all N are held, this process publishes a new version and the client stamps the
// moment each poller's response is fully received. Both processes read the same monotonic clock
// (process.hrtime), so publish → received is measured directly. Prints p50/p90/p99/max per N,
// and the controller process's CPU time (user + system) from publish to the last answer, which
// a busy shared machine disturbs less than the latencies; the target is p99 ≤ 300 ms at 10,000.
// Each N runs twice in the same run: the controller's prepared fan-out answer, and as a baseline
// every poll answered through ServerResponse's writeHead/end.
//
// Usage: bash -c 'ulimit -n $(ulimit -Hn) && tsx bench/fanout.ts [--sizes 1000,5000,10000] [--rounds 5] [--warmup 1]'
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { loadConfig } from "../controller/config/load.js";
import { TableFeed, type PublishedTable } from "../controller/delivery/table-feed.js";
import { SiteEnergy } from "../controller/ingest/energy/site-energy.js";
import { createHttpApi } from "../controller/http/server.js";
import { createLogger } from "../controller/ops/logger.js";
import { ControllerMetrics } from "../controller/ops/metrics.js";
import { Observations } from "../controller/ingest/reports/observations.js";
import type { Service } from "../controller/table/weight-table.js";
import { Credentials } from "../controller/auth/credentials.js";

/** Pollers authenticate as proxies do; the check is part of what each poll costs. */
const READER_TOKEN = "fanout-bench-reader-0123456789";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,5000,10000" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    client: { type: "boolean", default: false },
  },
});
const TARGET_P99_MS = 300;
const TARGET_POLLERS = 10_000;
/** Concurrent connects at a time, below the listen backlog (net.core.somaxconn is often 4096). */
const CONNECT_BATCH = 500;
const ROUND_TIMEOUT_MS = 30_000;

type ToClient = { type: "open"; n: number; port: number } | { type: "poll"; etag: string } | { type: "close" };
/** A round's answers: when each was received, and how many of each status and ETag. */
type ToMain = { type: "opened" } | { type: "round"; times: string[]; answers: Record<string, number> } | { type: "closed" };

// ---------------------------------------------------------------- client process: N raw pollers

function runClient(): void {
  let sockets: net.Socket[] = [];
  let times: bigint[] = [];
  let answers: Record<string, number> = {};
  let pending = 0;
  const send = (m: ToMain): void => void process.send!(m);

  const finish = (answer: string): void => {
    answers[answer] = (answers[answer] ?? 0) + 1;
    if (--pending === 0) send({ type: "round", times: times.map(String), answers });
  };
  const attach = (socket: net.Socket): void => {
    let buf: Buffer | null = null;
    socket.on("data", (chunk: Buffer) => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.toString("latin1", 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      times.push(process.hrtime.bigint());
      buf = null;
      finish(`${head.slice(9, 12)} ${/\r\netag: *(\S+)/i.exec(head)?.[1] ?? "-"}`);
    });
    socket.on("error", () => {});
  };

  process.on("message", async (m: ToClient) => {
    if (m.type === "open") {
      for (let i = 0; i < m.n; i += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, m.n - i) }, () => net.connect({ port: m.port, host: "127.0.0.1", noDelay: true }));
        await Promise.all(batch.map((s) => new Promise((ok, fail) => s.once("connect", ok).once("error", fail))));
        for (const s of batch) attach(s);
        sockets.push(...batch);
      }
      send({ type: "opened" });
    } else if (m.type === "poll") {
      times = [];
      answers = {};
      pending = sockets.length;
      const request = Buffer.from(`GET /v1/table?wait_ms=120000 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${READER_TOKEN}\r\nIf-None-Match: "${m.etag}"\r\n\r\n`, "latin1");
      for (const s of sockets) s.write(request);
    } else if (m.type === "close") {
      for (const s of sockets) s.destroy();
      sockets = [];
      send({ type: "closed" });
    }
  });
}

// ---------------------------------------------------------------- main process: the controller

function openFileLimit(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === "unlimited" ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The round with the median total CPU, as "user + system". */
function cpuSummary(rounds: [user: number, system: number][]): string {
  const [user, system] = [...rounds].sort((a, b) => a[0] + a[1] - (b[0] + b[1]))[rounds.length >> 1]!;
  return `${user.toFixed(0)} + ${system.toFixed(0)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nextMessage<T extends ToMain["type"]>(child: ChildProcess, type: T): Promise<Extract<ToMain, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client sent no '${type}' within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS);
    const on = (m: ToMain): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m as Extract<ToMain, { type: T }>);
    };
    child.on("message", on);
  });
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = performance.now() + ROUND_TIMEOUT_MS;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** One controller HTTP API on loopback, answering fan-outs one way. */
async function startApi(preparedFanOut: boolean) {
  const config = await loadConfig(undefined);
  const feed = new TableFeed(config.table.ttlMs);
  const services: Service[] = config.services.map((s) => ({
    key: s.key,
    upstreams: Object.values(s.upstreams).map((name, i) => ({ name, weight: 100 + i, canaryWeight: 0, draining: false })),
  }));
  const app = createHttpApi({
    feed, energy: new SiteEnergy(config.sites), observations: new Observations(config.services), metrics: new ControllerMetrics(),
    ledgerStorage: null, logger: createLogger("silent"), maxWaitMs: 120_000, ready: () => true, preparedFanOut,
    credentials: Credentials.fromTokens({ reader: [READER_TOKEN], writer: [] }),
  });
  await app.listen({ host: "127.0.0.1", port: 0, backlog: 4096 });
  const publish = (): PublishedTable => {
    const table = feed.prepare(services);
    feed.publish(table);
    return table;
  };
  return { app, feed, publish, port: (app.server.address() as net.AddressInfo).port };
}

interface Measured {
  all: number[];
  perRound: number[];
  cpuMs: [user: number, system: number][];
}

/** Holds `n` polls on `api` and times `rounds` publishes (after `warmup` ones). */
async function measure(child: ChildProcess, api: Awaited<ReturnType<typeof startApi>>, n: number, warmup: number, rounds: number): Promise<Measured> {
  child.send({ type: "open", n, port: api.port } satisfies ToClient);
  await nextMessage(child, "opened");
  const out: Measured = { all: [], perRound: [], cpuMs: [] };
  let current = api.feed.latest() ?? api.publish();
  for (let round = 0; round < warmup + rounds; round++) {
    child.send({ type: "poll", etag: String(current.version) } satisfies ToClient);
    await until(`${n} held polls`, () => api.feed.waiting === n);
    await sleep(200);
    const answers = nextMessage(child, "round");
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    current = api.publish();
    const result = await answers;
    const cpu = process.cpuUsage(cpu0);
    const want = `200 "${current.version}"`;
    if (result.answers[want] !== n) throw new Error(`round ${round} at ${n}: expected ${n} × ${want}, got ${JSON.stringify(result.answers)}`);
    if (round < warmup) continue;
    const ms = result.times.map((t) => Number(BigInt(t) - t0) / 1e6).sort((a, b) => a - b);
    out.perRound.push(percentile(ms, 99));
    out.cpuMs.push([cpu.user / 1_000, cpu.system / 1_000]);
    out.all.push(...ms);
  }
  child.send({ type: "close" } satisfies ToClient);
  await nextMessage(child, "closed");
  await until("closed polls to be released", () => api.feed.waiting === 0);
  out.all.sort((a, b) => a - b);
  return out;
}

async function runMain(): Promise<void> {
  const sizes = values.sizes.split(",").map(Number);
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);
  const need = Math.max(...sizes) + 200;
  if (openFileLimit() < need) {
    throw new Error(`the open-file limit (ulimit -n) is ${openFileLimit()}; ${need} are needed: run through 'npm run bench:fanout' or raise it`);
  }
  // The baseline, in the same run: every held poll answered through ServerResponse (writeHead/end).
  const apis = { regular: await startApi(false), prepared: await startApi(true) };
  // `node --cpu-prof --import tsx bench/fanout.ts` profiles the controller side only.
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--cpu-prof"));
  const child = fork(process.argv[1]!, ["--client"], { execArgv, stdio: "inherit" });

  console.log(`fan-out of one new table to N held long polls (loopback, Node ${process.version}); ${rounds} rounds per N after ${warmup} warm-up`);
  console.log("regular: every poll answered by writeHead/end; prepared: the publish writes each poll the version's prepared bytes (the controller's path)");
  console.log("answer | pollers | p50 ms | p90 ms | p99 ms | max ms | p99 per round | controller CPU per round, user + system (median, ms)");
  const p99s: Record<string, number> = {};
  try {
    for (const n of sizes) {
      for (const [name, api] of Object.entries(apis)) {
        const m = await measure(child, api, n, warmup, rounds);
        const p99 = percentile(m.all, 99);
        if (n === TARGET_POLLERS) p99s[name] = p99;
        const f = (x: number): string => x.toFixed(1);
        console.log(`${name} | ${n} | ${f(percentile(m.all, 50))} | ${f(percentile(m.all, 90))} | ${f(p99)} | ${f(m.all[m.all.length - 1]!)} | ${m.perRound.map(f).join(", ")} | ${cpuSummary(m.cpuMs)}`);
      }
    }
  } finally {
    child.kill();
    for (const api of Object.values(apis)) {
      api.feed.close();
      await api.app.close();
    }
  }
  const { prepared, regular } = p99s;
  if (prepared !== undefined && regular !== undefined) {
    console.log(`p99 at ${TARGET_POLLERS}: prepared ${prepared.toFixed(1)} ms, regular ${regular.toFixed(1)} ms (prepared/regular ${(prepared / regular).toFixed(2)})`);
    console.log(`target p99 ≤ ${TARGET_P99_MS} ms at ${TARGET_POLLERS} pollers: ${prepared <= TARGET_P99_MS ? "met" : "NOT met"} (${prepared.toFixed(1)} ms)`);
  }
}

if (values.client) runClient();
else await runMain();
