import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { EnvoyBootstrap } from "./envoy-config.js";
import { resolveEnvoyBinary } from "./envoy-binary.js";

export type EnvoyLogLevel = "trace" | "debug" | "info" | "warning" | "error" | "critical" | "off";

export interface StartEnvoyOptions {
  concurrency?: number;
  logLevel?: EnvoyLogLevel;
  /** e.g. "wasm:debug", passed as --component-log-level. */
  componentLogLevel?: string;
  binary?: string;
  /** Time allowed for admin /ready == LIVE and all listeners bound. */
  readyTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL in stop(). */
  stopGraceMs?: number;
  /** CPU list for `taskset -c` (e.g. "1" or "0-1"); the pid is still Envoy's own. */
  cpuSet?: string;
}

export interface EnvoyHandle {
  readonly pid: number;
  readonly adminUrl: string;
  /** listener name → bound port */
  readonly listenerPorts: Readonly<Record<string, number>>;
  listenerUrl(name: string): string;
  /** Counters and gauges from /stats?format=json (histograms omitted). */
  stats(): Promise<Record<string, number>>;
  prometheus(): Promise<string>;
  /** Tail of Envoy's log (stderr). */
  logs(): string;
  stop(): Promise<void>;
}

// ---- process tracking -------------------------------------------------------------------------
// Every Envoy we spawn is killed when this Node process exits. `exit` covers normal exit and
// uncaught errors; a per-Envoy shell watchdog covers SIGKILL/signals to Node (its stdin pipe
// closes when Node dies, whatever the cause).

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function track(child: ChildProcess, dir: string): void {
  live.add(child);
  tempDirs.add(dir);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", killAllEnvoys);
  }
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** SIGKILLs every Envoy started by this process that is still running (synchronous). */
export function killAllEnvoys(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
  for (const dir of tempDirs) removeDir(dir);
}

function spawnWatchdog(pid: number, dir: string): ChildProcess {
  const script =
    'read _unused; kill -TERM "$1" 2>/dev/null; sleep 2; kill -KILL "$1" 2>/dev/null; rm -rf "$2"';
  const dog = spawn("sh", ["-c", script, "envoy-watchdog", String(pid), dir], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  dog.on("error", () => {});
  // Neither the watchdog nor its pipe may keep Node's event loop alive.
  dog.unref();
  (dog.stdin as unknown as Socket | null)?.unref();
  return dog;
}

// ---- admin helpers ----------------------------------------------------------------------------

interface HttpText {
  status: number;
  body: string;
}

export function httpGetText(url: string, timeoutMs = 5_000): Promise<HttpText> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: "GET", agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    req.on("error", reject);
    req.end();
  });
}

interface ListenersJson {
  listener_statuses?: {
    name: string;
    local_address?: { socket_address?: { address?: string; port_value?: number } };
  }[];
}

interface StatsJson {
  stats?: ({ name: string; value: number | string } | { histograms: unknown })[];
}

function parseStats(body: string): Record<string, number> {
  const parsed = JSON.parse(body) as StatsJson;
  const out: Record<string, number> = {};
  for (const entry of parsed.stats ?? []) {
    if ("name" in entry && typeof entry.value === "number") out[entry.name] = entry.value;
  }
  return out;
}

// ---- start ------------------------------------------------------------------------------------

const LOG_TAIL_LINES = 4_000;

export async function startEnvoy(config: EnvoyBootstrap, options: StartEnvoyOptions = {}): Promise<EnvoyHandle> {
  const binary = options.binary ?? resolveEnvoyBinary();
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), "solar-envoy-"));
  const configPath = join(dir, "envoy.json");
  const adminPathFile = join(dir, "admin-address");
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const envoyArgs = [
    "-c", configPath,
    "--concurrency", String(options.concurrency ?? 2),
    "--disable-hot-restart",
    // Several Envoys run side by side (tests, bench upstream + proxy): never share a base id.
    "--use-dynamic-base-id",
    "--admin-address-path", adminPathFile,
    "-l", options.logLevel ?? "warning",
  ];
  if (options.componentLogLevel) envoyArgs.push("--component-log-level", options.componentLogLevel);
  // `taskset -c CPUS envoy ...` execs Envoy in place, so the pid and signals are still Envoy's.
  const [cmd, args] = options.cpuSet
    ? ["taskset", ["-c", options.cpuSet, binary, ...envoyArgs]]
    : [binary, envoyArgs];

  const child = spawn(cmd, args as string[], { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  track(child, dir);

  const logLines: string[] = [];
  let partial = "";
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    logLines.push(...lines);
    if (logLines.length > LOG_TAIL_LINES) logLines.splice(0, logLines.length - LOG_TAIL_LINES);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const logs = () => [...logLines, partial].join("\n");

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolveExit();
    });
    child.once("error", (err) => {
      spawnError = err;
      exited ??= { code: null, signal: null };
      resolveExit();
    });
  });

  const watchdog = child.pid !== undefined ? spawnWatchdog(child.pid, dir) : undefined;
  // Once Envoy is gone its pid may be reused: the watchdog must not outlive it.
  void exitPromise.then(() => watchdog?.kill("SIGKILL"));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return exitPromise;
    stopped = true;
    if (!exited) {
      child.kill("SIGTERM");
      // Unref'd timers: a pending grace timer must not hold Node open after Envoy has exited.
      const graceful = await Promise.race([
        exitPromise.then(() => true),
        sleep(stopGraceMs, false, { ref: false }),
      ]);
      if (!graceful && !exited) {
        child.kill("SIGKILL");
        await Promise.race([exitPromise, sleep(5_000, undefined, { ref: false })]);
      }
    }
    removeDir(dir);
  };

  const fail = async (reason: string): Promise<never> => {
    await stop();
    const tail = logs().split("\n").slice(-60).join("\n");
    throw new Error(`Envoy failed to start: ${reason}\n  binary: ${binary}\n--- Envoy log (tail) ---\n${tail}`);
  };

  try {
    const deadline = Date.now() + readyTimeoutMs;
    let adminUrl = "";
    let listenerPorts: Record<string, number> = {};
    const expected = config.static_resources.listeners.map((l) => l.name);
    for (;;) {
      if (spawnError) return await fail(`spawn error: ${spawnError.message}`);
      if (exited) return await fail(`process exited (code ${exited.code}, signal ${exited.signal})`);
      if (Date.now() > deadline) return await fail(`not ready after ${readyTimeoutMs}ms`);
      try {
        if (!adminUrl) {
          const addr = readFileSync(adminPathFile, "utf8").trim();
          if (addr) adminUrl = `http://${addr}`;
        }
        if (adminUrl) {
          const ready = await httpGetText(`${adminUrl}/ready`, 2_000);
          if (ready.status === 200 && ready.body.trim() === "LIVE") {
            const res = await httpGetText(`${adminUrl}/listeners?format=json`, 2_000);
            const parsed = JSON.parse(res.body) as ListenersJson;
            listenerPorts = {};
            for (const s of parsed.listener_statuses ?? []) {
              const port = s.local_address?.socket_address?.port_value;
              if (port) listenerPorts[s.name] = port;
            }
            if (expected.every((name) => listenerPorts[name])) break;
          }
        }
      } catch {
        // admin file not written yet / admin not accepting yet: poll again
      }
      await sleep(50);
    }

    const ports = Object.freeze({ ...listenerPorts });
    const base = adminUrl;
    const adminGet = async (path: string): Promise<string> => {
      const res = await httpGetText(`${base}${path}`);
      if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${res.body.slice(0, 200)}`);
      return res.body;
    };
    return {
      pid: child.pid!,
      adminUrl: base,
      listenerPorts: ports,
      listenerUrl(name: string): string {
        const port = ports[name];
        if (!port) throw new Error(`no listener named ${JSON.stringify(name)} (have: ${Object.keys(ports).join(", ")})`);
        return `http://127.0.0.1:${port}`;
      },
      stats: async () => parseStats(await adminGet("/stats?format=json")),
      prometheus: () => adminGet("/stats/prometheus"),
      logs,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
