// Runs the built controller (dist/controller/main.js) as a real process on loopback ports chosen
// at run time, for end-to-end tests and the demo. Every process started here is killed when
// this Node process exits.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const MAIN = join(import.meta.dirname, "..", "..", "dist", "controller", "main.js");
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface ControllerProcess {
  pid: number;
  httpPort: number;
  grpcPort: number;
  url: string;
  /** Log lines so far (JSON from pino, parsed when possible). */
  logs(): string[];
  /** SIGTERM and wait for exit (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: the controller dies without any shutdown work. */
  kill(): Promise<void>;
}

export async function startControllerProcess(options: {
  configYaml?: string; httpPort?: number; grpcPort?: number; timeoutMs?: number; env?: Record<string, string>; cwd?: string;
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
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
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
