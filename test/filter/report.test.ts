// What a report carries, decoded from the bytes the compiled filter POSTs: per table version,
// service and upstream, exactly the requests, responses, 5xx and latencies sent through the host.
import { describe, expect, it } from "vitest";
import { T0_MS, base64Table, requestHeaders, table, upstreams } from "./filter-host.js";
import { MAX_REPORT_BYTES, MAX_REPORT_ENTRIES, readReport } from "./report-codec.js";
import { CONTROLLER, ReportingFilter, Tally, sortEntries, type OpenStream } from "./report-host.js";
import { WorkerPool } from "./worker-pool.js";

const v7 = table([
  { key: "api", upstreams: upstreams({ "site-a": 3, "site-b": 1, "site-d": 5 }, ["site-d"]) },
  { key: "cart", upstreams: upstreams({ "site-c": 1 }) },
], { version: 7n });

/** Latencies around every bucket bound, in ms; the bounds are inclusive. */
const LATENCIES_MS = [0, 1, 5, 5.000001, 9.9, 10, 10.000001, 25, 30, 50, 75, 100, 100.5, 250, 251, 500, 501, 1000, 1000.000001, 2500, 2500.000001, 4000];

/** Sends the responses of `streams` in order of latency, moving the clock to each. */
function respondInTime(f: ReportingFilter, streams: Array<{ stream: OpenStream; latencyMs: number; status: number }>): void {
  const start = f.host.now();
  for (const s of [...streams].sort((a, b) => a.latencyMs - b.latencyMs)) {
    const due = start + BigInt(Math.round(s.latencyMs * 1e6));
    if (due > f.host.now()) f.advance(Number(due - f.host.now()) / 1e6);
    s.stream.respond(s.status);
  }
}

describe("a report", () => {
  it("carries exactly the requests, responses, 5xx and latency buckets of 1,000 requests", async () => {
    const f = await ReportingFilter.start({ report: {} });
    f.publish(v7);
    const tally = new Tally();
    const pending: Array<{ stream: OpenStream; latencyMs: number; status: number }> = [];
    for (let i = 0; i < 1_000; i++) {
      const service = i % 4 === 3 ? "cart" : "api";
      const stream = f.open(service);
      tally.request(7n, service, stream.upstream!);
      if (i % 50 === 49) continue; // its response comes after the report
      const latencyMs = LATENCIES_MS[i % LATENCIES_MS.length]!;
      const status = i % 7 === 0 ? 503 : i % 11 === 0 ? 404 : 200;
      pending.push({ stream, latencyMs, status });
      tally.response(7n, service, stream.upstream!, status, latencyMs);
    }
    respondInTime(f, pending);
    const sent = f.nextReport();

    const entries = sortEntries(sent.report.entries);
    expect(entries).toEqual(tally.sorted());
    expect(entries.map((e) => e.upstream)).toEqual(["site-a", "site-b", "site-c"]);
    expect(entries.reduce((n, e) => n + e.requests, 0)).toBe(1_000);
    expect(entries.reduce((n, e) => n + e.responses, 0)).toBe(980);
    expect(entries.reduce((n, e) => n + e.responses5xx, 0)).toBe(pending.filter((p) => p.status === 503).length);
    // Every bucket got some, with the bounds inclusive.
    const buckets = entries.reduce((sum, e) => sum.map((n, i) => n + e.latencyBuckets[i]!), new Array<number>(10).fill(0));
    expect(buckets.every((n) => n > 0)).toBe(true);
    expect(sent.report.reporter).not.toBe(0n);
    expect(sent.report.windowStartMs).toBe(T0_MS);
    expect(sent.report.windowEndMs).toBe(sent.seenAtMs);
  });

  it("attributes counts to the table version they were made by when the table switches mid-window", async () => {
    const f = await ReportingFilter.start({ report: {} });
    f.publish(table([{ key: "api", upstreams: upstreams({ a: 1 }) }], { version: 1n }));
    const early = [f.open("api"), f.open("api")];
    f.request("api", 200);
    f.request("api", 500);
    f.publish(table([{ key: "api", upstreams: upstreams({ b: 1 }) }], { version: 2n }));
    for (let i = 0; i < 3; i++) expect(f.request("api", 200)).toBe("b");
    // Responses to requests routed by version 1 arrive after the switch.
    f.advance(30);
    for (const s of early) s.respond(502);
    const sent = f.nextReport();
    expect(sortEntries(sent.report.entries)).toEqual([
      { tableVersion: 1n, service: "api", upstream: "a", requests: 4, responses: 4, responses5xx: 3, latencyBuckets: [2, 0, 0, 2, 0, 0, 0, 0, 0, 0] },
      { tableVersion: 2n, service: "api", upstream: "b", requests: 3, responses: 3, responses5xx: 0, latencyBuckets: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
    // The filter writes the older table first.
    expect(sent.report.entries.map((e) => e.tableVersion)).toEqual([1n, 2n]);
  });

  it("keeps the table in use and the one before it: a third table drops the oldest's entries, counted", async () => {
    const f = await ReportingFilter.start({ report: {} });
    const vN = (version: bigint) => table([{ key: "api", upstreams: upstreams({ a: 1, b: 1 }) }], { version });
    f.publish(vN(1n));
    while (f.request("api") !== "a");
    while (f.request("api") !== "b");
    const late = f.open("api");
    f.publish(vN(2n));
    f.request("api", 200);
    f.publish(vN(3n));
    f.request("api", 200);
    expect(f.metric("report.dropped_entries")).toBe(2);
    late.respond(200); // its table is gone: not counted
    const sent = f.nextReport();
    expect(sent.report.entries.map((e) => e.tableVersion)).toEqual([2n, 3n]);
    expect(sent.report.entries.every((e) => e.requests === 1 && e.responses === 1)).toBe(true);
  });

  it("leaves out pass-throughs, and upstreams nothing went to", async () => {
    const f = await ReportingFilter.start({ report: {} });
    f.request("api", 200); // no table yet
    f.publish(v7);
    f.request("unknown", 200);
    f.request("cart", 200);
    const sent = f.nextReport();
    expect(sent.report.entries).toEqual([
      { tableVersion: 7n, service: "cart", upstream: "site-c", requests: 1, responses: 1, responses5xx: 0, latencyBuckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
    f.advance(1_000);
    f.host.tick(f.rootId);
    expect(f.metric("passthrough.unknown_service")).toBe(1);
    expect(f.metric("passthrough.no_table")).toBe(1);
  });

  it("in shadow mode counts decisions but not responses (the request went where Envoy sent it)", async () => {
    const f = await ReportingFilter.start({ shadow: true, report: {} });
    f.publish(v7);
    f.request("cart", 503);
    const sent = f.nextReport();
    expect(sent.report.entries.map((e) => [e.upstream, e.requests, e.responses])).toEqual([["site-c", 1, 0]]);
  });

  it("comes from the worker's own id, the one it holds the delivery lease under", async () => {
    const pool = await WorkerPool.start(1, { tick_ms: 100, static_table: base64Table(v7), controller: CONTROLLER, report: {} });
    const worker = pool.workers[0]!;
    worker.route(requestHeaders("cart"));
    const reportCall = () => worker.host.pendingHttpCalls().find((c) => c.headers.some(([k, v]) => k === ":method" && v === "POST"));
    while (reportCall() === undefined) pool.advance(100);
    const lease = pool.sharedData.get("solar_router.table.lease")!.value;
    const holder = new DataView(lease.buffer, lease.byteOffset).getBigUint64(0, true);
    expect(readReport(reportCall()!.body).reporter).toBe(holder);
  });
});

describe("a large report", () => {
  /** `services` services of `perService` upstreams with equal weights, keys and names padded to a length. */
  function wideTable(services: number, perService: number, keyLen: number, nameLen: number) {
    return table(Array.from({ length: services }, (_, s) => ({
      key: `s${String(s).padStart(4, "0")}`.padEnd(keyLen, "x"),
      upstreams: upstreams(Object.fromEntries(Array.from({ length: perService }, (_, u) => [`u${u}`.padEnd(nameLen, "y"), 1]))),
    })));
  }

  async function sendAll(f: ReportingFilter, keys: string[], perKey: number): Promise<Tally> {
    const tally = new Tally();
    for (const key of keys) for (let i = 0; i < perKey; i++) tally.request(1n, key, f.request(key)!);
    return tally;
  }

  for (const [what, t, limit] of [
    ["4,096 entries", wideTable(1024, 5, 5, 2), "entries"],
    ["1 MiB", wideTable(1024, 3, 253, 64), "bytes"],
  ] as const) {
    it(`stops at ${what} and sends the rest on the next tick after delivery, with the same window start`, async () => {
      const f = await ReportingFilter.start({ report: {} });
      f.publish(t);
      const tally = await sendAll(f, t.services.map((s) => s.key), 12);
      const expected = tally.sorted();
      expect(expected.length).toBeGreaterThan(limit === "entries" ? MAX_REPORT_ENTRIES : 2_766);

      const first = f.nextReport();
      expect(first.call.body.length).toBeLessThanOrEqual(MAX_REPORT_BYTES);
      expect(first.report.entries.length).toBeLessThanOrEqual(MAX_REPORT_ENTRIES);
      if (limit === "entries") expect(first.report.entries.length).toBe(MAX_REPORT_ENTRIES);
      else expect(first.call.body.length + 379).toBeGreaterThan(MAX_REPORT_BYTES);
      f.answer(first, 204);
      const second = f.nextReport(100);
      expect(second.seenAtMs - first.seenAtMs).toBeLessThanOrEqual(100);
      expect(second.report.windowStartMs).toBe(first.report.windowStartMs);
      expect(sortEntries([...first.report.entries, ...second.report.entries])).toEqual(expected);
      f.answer(second, 204);

      // The next report starts at the first one's end only once everything before it is delivered.
      f.request(t.services[0]!.key);
      const third = f.nextReport();
      expect(third.report.windowStartMs).toBe(second.seenAtMs);
      expect(third.report.entries).toHaveLength(1);
    });
  }
});
