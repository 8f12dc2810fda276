// The tick part of `npm run bench:filter`: what one proxy_on_tick costs a worker, in time and in
// bytes proxy_get_shared_data copies into the VM, for a small and a 64 × 64 table. The baseline
// is the tick that reads the whole table, measured in the same run: a worker whose lease is held
// by one that keeps no version key (an older filter version) does what every worker did before
// the version key (read the lease, then the table) plus one 24-byte read.
import { encodeTable } from "../controller/table/encode.js";
import type { WeightTable } from "../controller/table/weight-table.js";
import { ProxyWasmHost } from "../test/host/proxy-wasm-host.js";
import { SharedData } from "../test/host/shared-data.js";

const SHARED_KEY = "solar_router.table";
const CONTROLLER = { tick_ms: 200, controller: { cluster: "solar-controller" } };
const NOW_NS = BigInt(Date.now()) * 1_000_000n;

interface TickCase {
  name: string;
  host: ProxyWasmHost;
  rootId: number;
}

function tableOf(services: number, upstreams: number): Uint8Array {
  const t: WeightTable = {
    version: 1n, issuedAtMs: NOW_NS / 1_000_000n, ttlMs: 86_400_000, canaryBp: null,
    services: Array.from({ length: services }, (_, s) => ({
      key: `svc-${String(s).padStart(2, "0")}.shop.svc.cluster.local`,
      upstreams: Array.from({ length: upstreams }, (_, u) => ({
        name: `site-${String(u).padStart(2, "0")}`, weight: 1 + ((s + u) % 7), canaryWeight: 0, draining: false,
      })),
    })),
  };
  return encodeTable(t);
}

let workers = 0;

/**
 * A worker VM on `shared` (the test host gives each VM its own store; workers of a proxy share
 * one). Each clock is a few ns apart: a VM seeds its random numbers, and so its lease holder id,
 * from the time it starts, as Envoy's workers do.
 */
async function worker(wasm: string, shared: SharedData, config: object, name: string): Promise<TickCase> {
  const startNs = NOW_NS + BigInt(++workers);
  const host = await ProxyWasmHost.load(wasm, { clock: () => startNs });
  (host.state as { sharedData: SharedData }).sharedData = shared;
  const { rootId, configured } = host.startPlugin({ pluginConfig: JSON.stringify(config) });
  if (!configured) throw new Error(`${name}: plugin refused its configuration`);
  return { name, host, rootId };
}

function leaseOf(holder: bigint): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, holder, true);
  view.setBigUint64(8, NOW_NS / 1_000_000n + 86_400_000n, true);
  return bytes;
}

/** The four tick paths for one table, each checked to be doing what its name says. */
async function casesFor(wasm: string, bytes: Uint8Array): Promise<TickCase[]> {
  const alone = new SharedData();
  alone.set(SHARED_KEY, bytes);
  const noController = await worker(wasm, alone, { tick_ms: 200 }, "no controller: table every tick");

  // One proxy: the first worker takes the lease and stores the table the controller answers with.
  const proxy = new SharedData();
  const holder = await worker(wasm, proxy, CONTROLLER, "version key, lease holder");
  holder.host.tick(holder.rootId);
  const [call] = holder.host.pendingHttpCalls();
  if (call === undefined) throw new Error("the holder did not poll");
  holder.host.respondToHttpCall(call.token, { headers: [[":status", "200"]], body: bytes });
  const reader = await worker(wasm, proxy, CONTROLLER, "version key, other worker");
  if (reader.host.pendingHttpCalls().length > 0) throw new Error("two workers hold the lease");

  // A lease held by a worker that keeps no version key (an older filter version).
  const older = new SharedData();
  older.set(`${SHARED_KEY}.lease`, leaseOf(0x0ddn));
  older.set(SHARED_KEY, bytes);
  const untrusted = await worker(wasm, older, CONTROLLER, "before: lease + table every tick");

  const cases = [untrusted, reader, holder, noController];
  for (const c of cases) {
    c.host.tick(c.rootId);
    if (c.host.metric("solar_router.table.loaded") !== 1n) throw new Error(`${c.name}: the table was not adopted`);
  }
  const copies = cases.map((c) => bytesPerTick(c, 10).table);
  const expected = [bytes.length, 0, 0, bytes.length];
  if (copies.some((b, i) => b !== expected[i])) throw new Error(`table bytes per tick ${copies.join(", ")}, expected ${expected.join(", ")}`);
  return cases;
}

function bytesPerTick(c: TickCase, ticks: number): { all: number; table: number } {
  const all = c.host.sharedDataCopied().bytes;
  const table = c.host.sharedDataCopied(SHARED_KEY).bytes;
  for (let i = 0; i < ticks; i++) c.host.tick(c.rootId);
  return { all: (c.host.sharedDataCopied().bytes - all) / ticks, table: (c.host.sharedDataCopied(SHARED_KEY).bytes - table) / ticks };
}

function nsPerTick(c: TickCase, ticks: number): number {
  const s = c.host.state;
  s.recordEvents = false;
  const start = process.hrtime.bigint();
  for (let i = 0; i < ticks; i++) c.host.tick(c.rootId);
  const elapsed = Number(process.hrtime.bigint() - start);
  s.recordEvents = true;
  return elapsed / ticks;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function tickCost(wasm: string, rounds: number, ticks: number): Promise<void> {
  const tables = [
    { label: "small (1 service × 2 upstreams)", bytes: tableOf(1, 2) },
    { label: "large (64 services × 64 upstreams)", bytes: tableOf(64, 64) },
  ];
  console.log(`\ntick cost — one proxy_on_tick per worker in the test host, ${rounds} rounds × ${ticks.toLocaleString("en")} ticks, median`);
  console.log(`${"table / tick path".padEnd(48)} ${"ns/tick".padStart(9)} ${"vs before".padStart(10)} ${"bytes copied/tick".padStart(18)} ${"of it table".padStart(12)}`);
  for (const { label, bytes } of tables) {
    const cases = await casesFor(wasm, bytes);
    for (const c of cases) nsPerTick(c, ticks); // warm-up
    const samples = cases.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const k = (i + round) % cases.length;
        samples[k]!.push(nsPerTick(cases[k]!, ticks));
      }
    }
    console.log(`${label}, ${bytes.length.toLocaleString("en")} bytes`);
    const base = median(samples[0]!);
    cases.forEach((c, i) => {
      const ns = median(samples[i]!);
      const copied = bytesPerTick(c, 100);
      console.log(`  ${c.name.padEnd(46)} ${ns.toFixed(0).padStart(9)} ${(ns / base).toFixed(2).padStart(9)}× ${copied.all.toLocaleString("en").padStart(18)} ${copied.table.toLocaleString("en").padStart(12)}`);
    });
  }
}
