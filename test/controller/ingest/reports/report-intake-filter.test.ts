// The compiled filter's own reports (in the test host) against the controller's intake, with the
// intake vouching for the worker from its first report: slow responses that cross report
// windows, table switches, throttled reports, failed calls and answers that never arrive or
// arrive after the call timed out (the counts come again) must never be refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Observations } from "../../../../controller/ingest/reports/observations.js";
import { ReportIntake } from "../../../../controller/ingest/reports/report-intake.js";
import { T0_MS, table, upstreams } from "../../../filter/filter-host.js";
import { readReport } from "../../../filter/report-codec.js";
import { ReportingFilter, type OpenStream } from "../../../filter/report-host.js";

const services = [{ key: "api", demandRps: 1, upstreams: { east: "a", west: "b" } }];
const apiTable = (version: bigint) => table([{ key: "api", upstreams: upstreams({ a: 3, b: 1 }) }], { version });

const step = fc.record({
  open: fc.nat({ max: 12 }),
  // Which of the open streams get their response now, oldest first: the rest stay in flight.
  answer: fc.double({ min: 0, max: 1, noNaN: true }),
  fiveXx: fc.boolean(),
  advanceMs: fc.integer({ min: 50, max: 2_500 }),
  newTable: fc.boolean(),
  outcome: fc.constantFrom("accepted", "accepted", "accepted", "throttled", "connection_reset", "answer_lost"),
});

describe("report intake, fed by the compiled filter", () => {
  it("never refuses a worker's reports, and takes every response as evidence until counts come twice", async () => {
    let crossing = 0;
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
      const f = await ReportingFilter.start({ report: { interval_ms: 1_000 } });
      let version = 1n;
      f.publish(apiTable(version));
      const observations = new Observations(services, { minLatencyResponses: 0, windowMs: 3_600_000, bucketCount: 60 });
      // Started an hour before the worker: it vouches for every count the worker sends.
      const intake = new ReportIntake(observations, { isKnown: (v) => v >= 1n && v <= version }, {}, T0_MS - 3_600_000);
      let open: OpenStream[] = [];
      let repeated = false;
      let lastTakenEndMs = 0;
      for (const s of steps) {
        for (let i = 0; i < s.open; i++) open.push(f.open("api"));
        const now = Math.floor(open.length * s.answer);
        for (const stream of open.slice(0, now)) stream.respond(s.fiveXx ? 503 : 200);
        open = open.slice(now);
        if (s.newTable) f.publish(apiTable(++version));
        f.advance(s.advanceMs);
        const pending = f.pendingReports()[0];
        if (pending === undefined) continue;
        if (s.outcome === "throttled") {
          f.host.respondToHttpCall(pending.token, { headers: [[":status", "429"], ["retry-after", "1"]], body: "" });
          continue;
        }
        if (s.outcome === "connection_reset") {
          f.host.failHttpCall(pending.token);
          continue;
        }
        const report = readReport(pending.body);
        crossing += report.entries.filter((e) => e.responses > e.requests).length;
        // A window overlapping one taken means counts sent again (a late answer reads as a
        // timeout): from then on the intake cannot tell repeats from answers.
        repeated ||= report.windowStartMs < lastTakenEndMs;
        lastTakenEndMs = Math.max(lastTakenEndMs, report.windowEndMs);
        const result = intake.take(pending.body, f.nowMs());
        expect(result.error?.message).toBeUndefined();
        if (!repeated) expect(result.value?.unbacked).toBe(0);
        if (s.outcome === "answer_lost") f.host.failHttpCall(pending.token);
        else f.host.respondToHttpCall(pending.token, { headers: [[":status", "204"]], body: "" });
      }
    }), { numRuns: 40 });
    // The case that matters came up: entries with more responses than requests.
    expect(crossing).toBeGreaterThan(0);
  }, 120_000);
});
