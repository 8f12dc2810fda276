import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSec: number;
  headers?: string[];
  /** CPU list for `taskset -c`. */
  cpuSet?: string;
  /** Per-request timeout inside wrk. */
  timeoutSec?: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in milliseconds (from `--latency`). */
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  raw: string;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function toMs(value: string, unit: string): number {
  const factor = UNIT_MS[unit];
  if (factor === undefined) throw new Error(`unknown wrk latency unit ${JSON.stringify(unit)}`);
  return Number(value) * factor;
}

export function parseWrkOutput(raw: string): WrkResult {
  const percentile = (p: string): number => {
    const m = raw.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m"));
    if (!m) throw new Error(`wrk output has no ${p}% latency line (was --latency passed?)\n${raw}`);
    return toMs(m[1]!, m[2]!);
  };
  const rps = raw.match(/^Requests\/sec:\s+([\d.]+)/m);
  const total = raw.match(/^\s*(\d+) requests in /m);
  if (!rps || !total) throw new Error(`cannot parse wrk output:\n${raw}`);
  const non2xx = raw.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sock = raw.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requests: Number(total[1]),
    rps: Number(rps[1]),
    p50Ms: percentile("50"),
    p75Ms: percentile("75"),
    p90Ms: percentile("90"),
    p99Ms: percentile("99"),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    raw,
  };
}

const running = new Set<ChildProcess>();

/** Kills any wrk still running (for signal handlers). */
export function killWrk(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** Runs wrk once; killed if it overruns its duration by more than 20 s. */
export function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.durationSec}s`,
    `--timeout`,
    `${opts.timeoutSec ?? 2}s`,
    "--latency",
  ];
  for (const h of opts.headers ?? []) args.push("-H", h);
  args.push(opts.url);
  const [cmd, argv] = opts.cpuSet ? ["taskset", ["-c", opts.cpuSet, "wrk", ...args]] : ["wrk", args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), (opts.durationSec + 20) * 1000);
    child.once("error", (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      running.delete(child);
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`wrk exited with ${code ?? signal}\n${out}\n${err}`));
      try {
        resolve(parseWrkOutput(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Path of wrk, installing it with scripts/install-wrk.sh when missing. */
export function ensureWrk(repoRoot: string): string {
  const which = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const script = join(repoRoot, "scripts", "install-wrk.sh");
  console.error(`wrk not found; running ${script}`);
  const res = spawnSync("bash", [script], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 600_000 });
  if (res.status !== 0) throw new Error(`wrk is required and ${script} failed (exit ${res.status ?? res.signal})`);
  return res.stdout.trim();
}
