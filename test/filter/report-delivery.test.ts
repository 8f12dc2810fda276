// What happens to a report's counts after the controller's answer: delivered counts come off,
// refused ones are dropped and never resent, failed ones are merged into the next report.
import { describe, expect, it } from "vitest";
import { T0_MS, table, upstreams } from "./filter-host.js";
import { CONTROLLER, ReportingFilter, TICK_MS, type SentReport } from "./report-host.js";

const LOG_WARN = 3;
const INTERVAL_MS = 10_000;
const api = (version = 1n) => table([{ key: "api", upstreams: upstreams({ a: 1 }) }], { version });

async function reporting(config: object = { report: {} }, options: { clusters?: string[] } = {}): Promise<ReportingFilter> {
  const f = await ReportingFilter.start(config, options);
  f.publish(api());
  return f;
}

/** Requests and responses of the one entry, per report. */
const counts = (sent: SentReport) => sent.report.entries.map((e) => [e.tableVersion, e.requests, e.responses]);

/** Every report metric: the tests assert all of them, not just the one that moved. */
const reportMetrics = (f: ReportingFilter) =>
  Object.fromEntries(["sent", "failed", "refused", "dropped_entries"].map((m) => [m, f.metric(`report.${m}`)]));

describe("delivered (2xx)", () => {
  it("takes the counts sent off; counts made while the report was in flight go in the next one", async () => {
    const f = await reporting();
    for (let i = 0; i < 3; i++) f.request("api", 200);
    const first = f.nextReport();
    expect(counts(first)).toEqual([[1n, 3, 3]]);
    f.request("api", 200); // while in flight
    f.answer(first, 204);
    f.request("api");
    const second = f.nextReport();
    expect(second.seenAtMs - first.seenAtMs).toBe(INTERVAL_MS);
    expect(counts(second)).toEqual([[1n, 2, 1]]);
    expect(second.report.windowStartMs).toBe(first.report.windowEndMs);
    f.answer(second, 200);
    expect(reportMetrics(f)).toEqual({ sent: 2, failed: 0, refused: 0, dropped_entries: 0 });
    expect(f.host.findLogs(/report/)).toEqual([]);
  });

  it("sends nothing while nothing is counted, and then starts the window anew", async () => {
    const f = await reporting();
    f.request("api", 200);
    const first = f.nextReport();
    f.answer(first, 204);
    f.advance(3 * INTERVAL_MS);
    expect(f.pendingReports()).toEqual([]);
    const quietUntil = f.nowMs();
    f.request("api", 200);
    const next = f.nextReport();
    expect(Number(next.report.windowStartMs)).toBeGreaterThan(quietUntil - INTERVAL_MS);
    expect(Number(next.report.windowStartMs)).toBeLessThanOrEqual(quietUntil);
  });
});

describe("failed (no answer, 5xx, 408, 429, refused by the host)", () => {
  it("keeps the counts and merges them into the next report, whose window starts where the failed one's did", async () => {
    const f = await reporting();
    for (let i = 0; i < 3; i++) f.request("api", 200);
    const first = f.nextReport();
    f.fail(first);
    f.request("api", 503);
    const second = f.nextReport();
    expect(second.seenAtMs - first.seenAtMs).toBe(INTERVAL_MS);
    expect(counts(second)).toEqual([[1n, 4, 4]]);
    expect(second.report.entries[0]!.responses5xx).toBe(1);
    expect(second.report.windowStartMs).toBe(T0_MS);
    for (const [status, body] of [[503, "overloaded"], [500, ""], [408, ""], [429, "slow down"], [302, ""]] as const) {
      f.answer(f.nextReport(), status, body);
      f.request("api");
    }
    const merged = f.nextReport();
    expect(counts(merged)).toEqual([[1n, 9, 4]]);
    expect(merged.report.windowStartMs).toBe(T0_MS);
    expect(reportMetrics(f)).toEqual({ sent: 0, failed: 6, refused: 0, dropped_entries: 0 });

    // One warning when failures start, one line when reports get through again.
    const warnings = f.host.findLogs(/reporting to the controller \(cluster 'solar-controller'\) failed/, LOG_WARN);
    expect(warnings.map((l) => l.message)).toEqual([
      "solar-router: reporting to the controller (cluster 'solar-controller') failed: no response (connection failure, reset or timeout); the counts go out with the next report",
    ]);
    f.answer(merged, 204);
    expect(f.host.findLogs("the controller accepts reports again after 6 failed attempts")).toHaveLength(1);
    expect(reportMetrics(f)).toEqual({ sent: 1, failed: 6, refused: 0, dropped_entries: 0 });
  });

  it("counts a call the host refuses (unknown cluster) as failed, and keeps the counts", async () => {
    const f = await reporting({ report: {} }, { clusters: ["other"] });
    f.request("api", 200);
    f.advance(INTERVAL_MS);
    expect(f.metric("report.failed")).toBe(1);
    f.request("api", 200);
    f.advance(INTERVAL_MS);
    expect(reportMetrics(f)).toEqual({ sent: 0, failed: 2, refused: 0, dropped_entries: 0 });
    expect(f.host.pendingHttpCalls()).toEqual([]);
    expect(f.host.findLogs(/failed: the host refused the call \(is cluster 'solar-controller' defined\?\)/)).toHaveLength(1);
  });

  it("has at most one report in flight; one never answered fails after its timeout and a late answer changes nothing", async () => {
    const f = await reporting({ controller: { ...CONTROLLER, timeout_ms: 4_000, wait_ms: 2_000 }, report: {} });
    f.request("api", 200);
    const first = f.nextReport();
    expect(first.call.timeoutMs).toBe(4_000);
    f.request("api", 200);
    f.advance(4_000 + TICK_MS);
    expect(f.pendingReports()).toHaveLength(1);
    expect(f.metric("report.failed")).toBe(0);
    f.advance(TICK_MS); // the timeout and two ticks
    expect(f.metric("report.failed")).toBe(1);
    expect(f.host.findLogs(/failed: no answer within the timeout/)).toHaveLength(1);
    f.advance(INTERVAL_MS - 4_000 - 2 * TICK_MS);
    const calls = f.pendingReports();
    expect(calls).toHaveLength(2);
    const second = calls.find((c) => c.token !== first.call.token)!;
    f.answer(first, 204); // late: not the call in flight
    expect(f.metric("report.sent")).toBe(0);
    f.host.respondToHttpCall(second.token, { headers: [[":status", "204"]] });
    expect(reportMetrics(f)).toEqual({ sent: 1, failed: 1, refused: 0, dropped_entries: 0 });
    f.request("api");
    expect(counts(f.nextReport())).toEqual([[1n, 1, 0]]);
  });

  it("drops the counts of a table retired while its report was in flight, counted, and only those", async () => {
    const f = await reporting();
    f.request("api", 200);
    const first = f.nextReport();
    f.publish(api(2n));
    f.request("api", 200);
    f.publish(api(3n)); // version 1 retired, its counts in flight
    expect(f.metric("report.dropped_entries")).toBe(0);
    f.fail(first);
    expect(f.metric("report.dropped_entries")).toBe(1);
    const second = f.nextReport();
    expect(counts(second)).toEqual([[2n, 1, 1]]);
    f.publish(api(4n)); // version 2 retired while in flight, but delivered
    f.answer(second, 204);
    expect(reportMetrics(f)).toEqual({ sent: 1, failed: 1, refused: 0, dropped_entries: 1 });
  });
});

describe("refused (4xx)", () => {
  it("drops the counts, never resends them, counts the entries, and warns once quoting the controller's reason", async () => {
    const f = await reporting();
    f.publish(table([{ key: "api", upstreams: upstreams({ a: 1 }) }, { key: "cart", upstreams: upstreams({ b: 1 }) }], { version: 2n }));
    f.request("api", 200);
    f.request("cart", 200);
    const first = f.nextReport();
    f.request("api", 200); // while in flight
    f.answer(first, 400, "bad_checksum: CRC-32 differs");
    expect(reportMetrics(f)).toEqual({ sent: 0, failed: 0, refused: 1, dropped_entries: 2 });
    const second = f.nextReport();
    expect(counts(second)).toEqual([[2n, 1, 1]]);
    expect(second.report.windowStartMs).toBe(first.report.windowEndMs);
    f.answer(second, 401, "no token");
    expect(reportMetrics(f)).toEqual({ sent: 0, failed: 0, refused: 2, dropped_entries: 3 });
    expect(f.host.findLogs(/refused/, LOG_WARN).map((l) => l.message)).toEqual([
      "solar-router: the controller refused a report (HTTP 400: bad_checksum: CRC-32 differs); its counts are dropped, and so are those of further refused reports",
    ]);
    f.request("api", 200);
    f.answer(f.nextReport(), 204);
    expect(f.host.findLogs("the controller accepts reports again")).toHaveLength(1);
  });
});
