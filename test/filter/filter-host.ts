// The compiled filter in the test host, with the few helpers filter tests share.
import { join } from "node:path";
import { encodeTable } from "../../controller/table/encode.js";
import type { Service, WeightTable } from "../../controller/table/weight-table.js";
import { expect } from "vitest";
import { ProxyWasmHost } from "../host/proxy-wasm-host.js";

export const FILTER_WASM = join(import.meta.dirname, "..", "..", "build", "filter.wasm");
export const SHARED_KEY = "solar_router.table";
export const HEADER = "x-solar-upstream";

/** Fixed host clock: 2026-01-01T00:00:00Z. */
export const T0_MS = 1_767_225_600_000;

export interface FilterUnderTest {
  host: ProxyWasmHost;
  rootId: number;
  configured: boolean;
  /** Runs one request; returns the upstream header the filter left (null: none). */
  route(headers: Record<string, string>): string | null;
  /** Runs `n` requests with the same headers; counts by upstream header ("" for none). */
  routeMany(headers: Record<string, string>, n: number): Map<string, number>;
  /** A plugin metric (without Envoy's wasmcustom prefix), 0 when undefined. */
  metric(name: string): number;
  /** Puts a table into shared data and ticks, as the lease holder and the worker would. */
  publish(bytes: Uint8Array): void;
}

export async function startFilter(pluginConfig: object | string = {}, options: { countHostCalls?: boolean } = {}): Promise<FilterUnderTest> {
  const host = await ProxyWasmHost.load(FILTER_WASM, {
    // advanceTime() moves the host clock on from T0.
    clock: () => BigInt(T0_MS) * 1_000_000n,
    countHostCalls: options.countHostCalls ?? false,
  });
  const config = typeof pluginConfig === "string" ? pluginConfig : JSON.stringify(pluginConfig);
  const { rootId, configured } = host.startPlugin({ pluginConfig: config });
  const route = (headers: Record<string, string>): string | null => {
    const result = host.httpRequest(rootId, { requestHeaders: Object.entries(headers) });
    const values = result.requestHeaders.filter(([k]) => k === HEADER).map(([, v]) => v);
    if (values.length > 1) throw new Error(`filter left ${values.length} ${HEADER} headers`);
    return values[0] ?? null;
  };
  return {
    host,
    rootId,
    configured,
    route,
    routeMany(headers, n) {
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const upstream = route(headers) ?? "";
        counts.set(upstream, (counts.get(upstream) ?? 0) + 1);
      }
      return counts;
    },
    metric(name) {
      // Request counters reach the host on the next tick.
      return Number(host.metric(`solar_router.${name}`) ?? 0n);
    },
    publish(bytes) {
      host.sharedData.set(SHARED_KEY, bytes);
      host.tick(rootId);
    },
  };
}

export function requestHeaders(authority: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ":method": "GET", ":path": "/", ":scheme": "http", ":authority": authority, ...extra };
}

export function table(services: Service[], fields: Partial<WeightTable> = {}): WeightTable {
  return { version: 1n, issuedAtMs: BigInt(T0_MS), ttlMs: 60_000, canaryBp: null, services, ...fields };
}

export function upstreams(weights: Record<string, number>, draining: string[] = []): Service["upstreams"] {
  return Object.entries(weights).map(([name, weight]) => ({ name, weight, canaryWeight: 0, draining: draining.includes(name) }));
}

export function base64Table(t: WeightTable): string {
  return Buffer.from(encodeTable(t)).toString("base64");
}

const LOG_ERROR = 4;

/** Starts the filter with `config` and checks it was refused with one error line matching `message`. */
export async function expectRefused(config: object | string, message: RegExp): Promise<void> {
  const f = await startFilter(config);
  expect(f.configured).toBe(false);
  const errors = f.host.logs.filter((l) => l.level >= LOG_ERROR);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(/^solar-router: invalid plugin configuration: /);
  expect(errors[0]!.message).toMatch(message);
}
