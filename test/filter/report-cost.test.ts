// What reports cost per request: host calls counted through the compiled filter, with and
// without `report` and `report.responses`; no log, no shared-data read, no metric call and no
// memory growth per request, over many requests and reports.
import { describe, expect, it } from "vitest";
import { table, upstreams } from "./filter-host.js";
import { ReportingFilter } from "./report-host.js";

const API = table([{ key: "api", upstreams: upstreams({ a: 3, b: 1 }) }], { ttlMs: 3_600_000 });
const N = 2_000;

const totalHostCalls = (f: ReportingFilter) => [...f.host.state.hostCallCounts!.values()].reduce((a, b) => a + b, 0);

/** Host calls per request over N requests to `authority`, each answered with a 200. */
async function hostCallsPerRequest(config: object, authority = "api"): Promise<{ perRequest: number; calls: (name: string) => number }> {
  const f = await ReportingFilter.start(config, { countHostCalls: true });
  f.publish(API);
  const before = new Map(f.host.state.hostCallCounts!);
  const total = totalHostCalls(f);
  for (let i = 0; i < N; i++) f.request(authority, 200);
  return {
    perRequest: (totalHostCalls(f) - total) / N,
    calls: (name) => (f.host.hostCalls(name) - (before.get(`env.${name}`) ?? 0)) / N,
  };
}

describe("per-request cost of reports", () => {
  it("adds no host call without report.responses, and three with it (the time twice, the status once)", async () => {
    const without = await hostCallsPerRequest({});
    const counting = await hostCallsPerRequest({ report: { responses: false } });
    const observing = await hostCallsPerRequest({ report: {} });
    // Read the authority, write the header.
    expect(without.perRequest).toBe(2);
    expect(counting.perRequest).toBe(2);
    expect(observing.perRequest).toBe(5);
    expect(observing.calls("proxy_get_current_time_nanoseconds")).toBe(2);
    expect(observing.calls("proxy_get_header_map_value")).toBe(2);
    expect(observing.calls("proxy_replace_header_map_value")).toBe(1);
  });

  it("makes no response-side host call for a stream it did not route", async () => {
    const passThrough = await hostCallsPerRequest({ report: {} }, "unknown");
    // Read the authority, remove a client-sent routing header.
    expect(passThrough.perRequest).toBe(2);
    expect(passThrough.calls("proxy_get_current_time_nanoseconds")).toBe(0);
  });

  it("makes no log call, shared-data read or metric call per request, and keeps memory flat over many requests and reports", async () => {
    const f = await ReportingFilter.start({ report: { interval_ms: 1_000 } }, { countHostCalls: true });
    f.publish(API);
    const watched = ["proxy_log", "proxy_get_shared_data", "proxy_set_shared_data", "proxy_increment_metric", "proxy_http_call"];
    const round = (answer: number) => {
      for (let i = 0; i < 500; i++) {
        const stream = f.open(i % 5 === 0 ? "unknown" : "api");
        if (i % 3 === 0) f.advance(0.25);
        stream.respond(i % 9 === 0 ? 503 : 200);
      }
      const sent = f.nextReport(2_000);
      if (answer === 0) f.fail(sent);
      else f.answer(sent, answer);
    };
    const answers = [204, 0, 503, 204, 400, 204];
    for (let r = 0; r < 12; r++) round(answers[r % answers.length]!); // warm-up: the buffers reach their size
    const memory = f.host.memoryBytes();

    // Requests alone: no watched call at all.
    const before = watched.map((name) => f.host.hostCalls(name));
    for (let i = 0; i < 20_000; i++) f.request(i % 5 === 0 ? "unknown" : "api", i % 9 === 0 ? 503 : 200);
    expect(watched.map((name) => f.host.hostCalls(name))).toEqual(before);

    for (let r = 0; r < 60; r++) round(answers[r % answers.length]!);
    expect(f.host.memoryBytes()).toBe(memory);
    expect(f.metric("report.sent")).toBeGreaterThan(20);
    expect(f.metric("report.refused")).toBeGreaterThan(5);
    expect(f.metric("report.failed")).toBeGreaterThan(10);
  });
});
