// The plugin configuration's `report` object: defaults, every field applied, and each way of
// getting it wrong refused with one log line naming `report.<field>`.
import { describe, expect, it } from "vitest";
import { expectRefused, table, upstreams } from "./filter-host.js";
import { CONTROLLER, ReportingFilter, TICK_MS } from "./report-host.js";

const API = table([{ key: "api", upstreams: upstreams({ a: 1 }) }]);

/** The first report of a worker with this configuration, after one routed request. */
async function firstReport(config: object) {
  const f = await ReportingFilter.start(config);
  expect(f.configured).toBe(true);
  f.publish(API);
  f.request("api", 200);
  return { f, sent: f.nextReport(700_000) };
}

describe("report configuration", () => {
  it("needs nothing but the object: POST /v1/reports every 10 s to the controller, responses observed", async () => {
    const { f, sent } = await firstReport({ report: {} });
    expect(sent.call.cluster).toBe("solar-controller");
    expect(sent.call.headers).toEqual([
      [":method", "POST"], [":path", "/v1/reports"], [":authority", "solar-controller"],
      ["content-type", "application/vnd.solar-router.report"], ["content-length", String(sent.call.body.length)],
    ]);
    // min(controller.timeout_ms, report.interval_ms)
    expect(sent.call.timeoutMs).toBe(10_000);
    // The first report comes half to one interval after the start.
    const sinceStart = sent.seenAtMs - sent.report.windowStartMs;
    expect(sinceStart).toBeGreaterThanOrEqual(5_000);
    expect(sinceStart).toBeLessThan(10_000 + TICK_MS);
    expect(sent.report.entries[0]!.responses).toBe(1);
    f.answer(sent, 204);
    f.request("api", 200);
    const second = f.nextReport();
    expect(second.seenAtMs - sent.seenAtMs).toBe(10_000);
  });

  it("applies every field, and sends the controller's authority and token", async () => {
    const { sent } = await firstReport({
      controller: { ...CONTROLLER, authority: "controller.solar.svc", token: "s3cr3t-t0ken", timeout_ms: 3_000, wait_ms: 2_000 },
      report: { interval_ms: 600_000, path: "/api/reports?mesh=a", responses: false },
    });
    expect(sent.call.headers).toEqual([
      [":method", "POST"], [":path", "/api/reports?mesh=a"], [":authority", "controller.solar.svc"],
      ["content-type", "application/vnd.solar-router.report"], ["authorization", "Bearer s3cr3t-t0ken"],
      ["content-length", String(sent.call.body.length)],
    ]);
    expect(sent.call.timeoutMs).toBe(3_000);
    expect(sent.seenAtMs - sent.report.windowStartMs).toBeGreaterThanOrEqual(300_000);
    expect(sent.report.entries.map((e) => [e.requests, e.responses])).toEqual([[1, 0]]);
  });

  it("takes an interval of one second", async () => {
    const { f, sent } = await firstReport({ report: { interval_ms: 1_000 } });
    f.answer(sent, 204);
    f.request("api");
    expect(f.nextReport().seenAtMs - sent.seenAtMs).toBe(1_000);
  });

  it("sends nothing and counts nothing without a report object", async () => {
    const f = await ReportingFilter.start({});
    f.publish(API);
    f.request("api", 200);
    f.advance(30_000);
    expect(f.host.pendingHttpCalls()).toEqual([]);
    expect(f.metric("report.failed")).toBe(0);
  });

  const refused: Array<[string, object, RegExp]> = [
    ["a report without a controller", { report: {} },
      /field 'report': expected a 'controller' object too \(reports go to the controller's cluster\)/],
    ["a report that is not an object", { controller: CONTROLLER, report: true }, /field 'report': expected an object, got true/],
    ["a null report", { controller: CONTROLLER, report: null }, /field 'report': expected an object, got null/],
    ["an unknown field", { controller: CONTROLLER, report: { interval: 5 } },
      /field 'report.interval': expected no such field \(known: interval_ms, path, responses\)/],
    ["an interval under a second", { controller: CONTROLLER, report: { interval_ms: 999 } },
      /field 'report.interval_ms': expected an integer from 1000 to 600000, got 999/],
    ["an interval over ten minutes", { controller: CONTROLLER, report: { interval_ms: 600_001 } },
      /field 'report.interval_ms': expected an integer from 1000 to 600000, got 600001/],
    ["a fractional interval", { controller: CONTROLLER, report: { interval_ms: 1500.5 } }, /field 'report.interval_ms'.*got 1500.5/],
    ["an interval as a string", { controller: CONTROLLER, report: { interval_ms: "10000" } }, /field 'report.interval_ms'.*got "10000"/],
    ["an interval shorter than the tick", { tick_ms: 2_000, controller: { ...CONTROLLER, lease_ms: 6_000 }, report: { interval_ms: 1_000 } },
      /field 'report.interval_ms': expected at least tick_ms \(2000\), got 1000/],
    ["a relative path", { controller: CONTROLLER, report: { path: "v1/reports" } },
      /field 'report.path': expected a path starting with '\/', without '#' .*got "v1\/reports"/],
    ["an empty path", { controller: CONTROLLER, report: { path: "" } }, /field 'report.path'.*got ""/],
    ["a path with a fragment", { controller: CONTROLLER, report: { path: "/r#x" } }, /field 'report.path'.*got "\/r#x"/],
    ["a path with a space", { controller: CONTROLLER, report: { path: "/r x" } }, /field 'report.path'/],
    ["responses as a string", { controller: CONTROLLER, report: { responses: "yes" } },
      /field 'report.responses': expected true or false, got "yes"/],
    ["a bad controller, named before the report", { controller: { cluster: "" }, report: { interval_ms: 1 } }, /field 'controller.cluster'/],
  ];
  for (const [name, config, message] of refused) {
    it(`refuses ${name}, with one error line naming the field`, () => expectRefused(config, message));
  }
});
