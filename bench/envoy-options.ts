// Command-line options and CPU placement for bench/envoy.ts.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { encodeTable } from "../controller/table/encode.js";
import { DEFAULT_CLUSTER } from "../test/envoy/harness.js";

export const BENCH_SERVICE = "bench.solar.local";

/** A table that routes BENCH_SERVICE to upstreams a and b, fresh for a day. */
function defaultPluginConfig(): string {
  const table = encodeTable({
    version: 1n,
    issuedAtMs: BigInt(Date.now()),
    ttlMs: 86_400_000,
    canaryBp: null,
    services: [{ key: BENCH_SERVICE, upstreams: [
      { name: "a", weight: 3, canaryWeight: 0, draining: false },
      { name: "b", weight: 1, canaryWeight: 0, draining: false },
    ] }],
  });
  return JSON.stringify({ static_table: Buffer.from(table).toString("base64") });
}

function parseDurationSec(flag: string, value: string): number {
  const m = value.match(/^(\d+)(s|m)?$/);
  if (!m) throw new Error(`--${flag} must look like 10s, 10 or 1m (got ${JSON.stringify(value)})`);
  return Number(m[1]) * (m[2] === "m" ? 60 : 1);
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer (got ${value})`);
  return n;
}

export function parseEnvoyBenchArgs() {
  const { values } = parseArgs({
    options: {
      "plugin-config": { type: "string" },
      duration: { type: "string", default: "10s" },
      warmup: { type: "string", default: "3s" },
      connections: { type: "string", default: "32" },
      threads: { type: "string", default: "1" },
      rounds: { type: "string", default: "3" },
      upstreams: { type: "string", default: "a,b,default" },
      header: { type: "string", multiple: true, default: [] },
      "no-pin": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "npx tsx bench/envoy.ts [--plugin-config '<json>'] [--duration 10s] [--warmup 3s] [--connections 32]\n" +
        "  [--threads 1] [--rounds 3] [--upstreams a,b,default] [--header 'name: value']... [--no-pin]",
    );
    process.exit(0);
  }
  const pluginConfig = values["plugin-config"] ?? defaultPluginConfig();
  try {
    JSON.parse(pluginConfig);
  } catch (e) {
    throw new Error(`--plugin-config is not valid JSON: ${(e as Error).message}`);
  }
  const upstreams = values.upstreams.split(",").map((s) => s.trim()).filter(Boolean);
  if (!upstreams.includes(DEFAULT_CLUSTER)) upstreams.push(DEFAULT_CLUSTER);
  return {
    pluginConfig,
    durationSec: parseDurationSec("duration", values.duration),
    warmupSec: parseDurationSec("warmup", values.warmup),
    connections: positiveInt("connections", values.connections),
    threads: positiveInt("threads", values.threads),
    rounds: positiveInt("rounds", values.rounds),
    upstreams,
    headers: values.header.length > 0 ? values.header : [`Host: ${BENCH_SERVICE}`],
    pin: !values["no-pin"],
  };
}

export interface CpuPlan {
  front?: string;
  others?: string;
  description: string;
}

/** Splits this process's allowed CPUs between the front Envoy and (wrk + upstream Envoy). */
export function cpuPlan(pin: boolean): CpuPlan {
  if (!pin) return { description: "unpinned" };
  const res = spawnSync("taskset", ["-pc", String(process.pid)], { encoding: "utf8" });
  const list = res.status === 0 ? res.stdout.split(":").pop()!.trim() : "";
  const cpus = list.split(",").flatMap((part) => {
    const [lo, hi] = part.split("-").map(Number);
    if (lo === undefined || Number.isNaN(lo)) return [];
    return Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
  });
  if (cpus.length < 2) return { description: "unpinned (taskset unavailable or fewer than 2 CPUs)" };
  // Front gets one CPU per worker when there are enough, else one; the rest drive the load.
  const frontCount = cpus.length >= 4 ? 2 : 1;
  const front = cpus.slice(-frontCount).join(",");
  const others = cpus.slice(0, -frontCount).join(",");
  return { front, others, description: `pinned: front Envoy CPU ${front}; wrk + upstream CPU ${others}` };
}
