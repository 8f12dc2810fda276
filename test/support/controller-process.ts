// Runs the built controller (dist/controller/main.js) as a real process on loopback ports chosen
// at run time, for end-to-end tests and the demo. Each process gets its own random reader and
// writer tokens (by env), exposed for the callers. Every process started here is killed when
// this Node process exits.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const MAIN = join(import.meta.dirname, "..", "..", "dist", "controller", "main.js");
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Bearer tokens per role, as the controller takes them from SOLAR_READER_TOKENS / SOLAR_WRITER_TOKENS. */
export interface ControllerTokens {
  reader: string[];
  writer: string[];
}

export const newToken = (): string => randomBytes(24).toString("base64url");

export interface ControllerProcess {
  pid: number;
  httpPort: number;
  grpcPort: number;
  url: string;
  /** All tokens the process accepts; pass them to a restarted controller so proxies keep working. */
  tokens: ControllerTokens;
  /** The first reader token (proxies: tables and reports), or "" when there is none. */
  readerToken: string;
  /** The first writer token (energy sources, operators), or "" when there is none. */
  writerToken: string;
  /** `authorization` header with the reader token. */
  readerHeaders(): Record<string, string>;
  /** `authorization` header with the writer token. */
  writerHeaders(): Record<string, string>;
  /** Log lines so far (JSON from pino, parsed when possible). */
  logs(): string[];
  /** SIGTERM and wait for exit (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: the controller dies without any shutdown work. */
  kill(): Promise<void>;
}

export async function startControllerProcess(options: {
  configYaml?: string; httpPort?: number; grpcPort?: number; timeoutMs?: number; env?: Record<string, string>; cwd?: string;
  /** Default: one fresh token per role. `{ reader: [], writer: [] }` starts it with none. */
  tokens?: ControllerTokens;
} = {}): Promise<ControllerProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:controller`);
  const args = [MAIN, "--http", `127.0.0.1:${options.httpPort ?? 0}`, "--grpc", `127.0.0.1:${options.grpcPort ?? 0}`];
  if (options.configYaml !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), "solar-controller-")), "config.yaml");
    writeFileSync(file, options.configYaml);
    args.push("--config", file);
  }
  // Its own working directory, so the ledger's default data/ lands in a fresh place each time.
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "solar-controller-cwd-"));
  const tokens = options.tokens ?? { reader: [newToken()], writer: [newToken()] };
  // Always set, so tokens in the caller's own environment never leak into a test's controller.
  const tokenEnv = { SOLAR_READER_TOKENS: tokens.reader.join(","), SOLAR_WRITER_TOKENS: tokens.writer.join(",") };
  const child = spawn(process.execPath, args, {
    cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...tokenEnv, ...options.env },
  });
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => {
    live.delete(child);
    if (options.cwd === undefined) rmSync(cwd, { recursive: true, force: true });
    resolve(code);
  }));
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => lines.push(l));
  const listening = new Promise<{ http: number; grpc: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller did not start in time:\n${lines.slice(-20).join("\n")}`)), options.timeoutMs ?? 15_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      if (!line.includes('"event":"listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { http: number; grpc: number });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited with ${code} before listening:\n${lines.slice(-20).join("\n")}`));
    });
  });
  const ports = await listening;
  return {
    pid: child.pid!,
    httpPort: ports.http,
    grpcPort: ports.grpc,
    url: `http://127.0.0.1:${ports.http}`,
    tokens,
    readerToken: tokens.reader[0] ?? "",
    writerToken: tokens.writer[0] ?? "",
    readerHeaders: () => ({ authorization: `Bearer ${tokens.reader[0] ?? ""}` }),
    writerHeaders: () => ({ authorization: `Bearer ${tokens.writer[0] ?? ""}` }),
    logs: () => [...lines],
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
