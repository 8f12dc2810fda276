import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveReportOptions } from "../../../../controller/ingest/reports/report-options.js";
import { ResponseCredit, type CreditEntry } from "../../../../controller/ingest/reports/response-credit.js";

const T0 = 1_767_225_600_000;
const options = resolveReportOptions();
// Reports whose window starts after this are vouched for by a credit started at T0.
const VOUCHED = T0 + options.takeoverGraceMs + options.maxClockSkewMs + 1;
const known = () => true;

/** A window starting at `start`, ten seconds long unless said otherwise. */
const w = (start: number, end = start + 10_000) => ({ windowStartMs: start, windowEndMs: end });
const entry = (requests: number, responses: number, fields: Partial<CreditEntry> = {}): CreditEntry =>
  ({ index: 0, version: 7n, pair: 0, requests, responses, ...fields });

describe("response credit", () => {
  it("accepts a slow response that crosses into the next report, and refuses responses nothing backs", () => {
    const credit = new ResponseCredit(options, T0);
    const now = VOUCHED + 10_000;
    // Report 1: 10 requests, 7 answered so far.
    expect(credit.check(1n, w(VOUCHED), [entry(10, 7)], now)).toEqual({ unbacked: [] });
    credit.commit(1n, w(VOUCHED), [entry(10, 7)], now, known);
    expect(credit.size).toBe(1);
    // Report 2: 2 new requests, 5 responses (3 of them to report 1's requests).
    expect(credit.check(1n, w(now), [entry(2, 5)], now + 10_000)).toEqual({ unbacked: [] });
    credit.commit(1n, w(now), [entry(2, 5)], now + 10_000, known);
    // Nothing outstanding is left: a further response has nothing behind it.
    expect(credit.size).toBe(0);
    expect(credit.check(1n, w(now + 10_000), [entry(0, 1)], now + 20_000)).toEqual({ refused: { index: 0, available: 0 } });
    // Credit is per table version, pair and reporter.
    credit.commit(1n, w(now + 10_000), [entry(4, 0)], now + 20_000, known);
    expect(credit.check(1n, w(now + 20_000), [entry(0, 5, { index: 3 })], now + 30_000)).toEqual({ refused: { index: 3, available: 4 } });
    expect(credit.check(1n, w(now + 20_000), [entry(0, 4, { version: 8n })], now + 30_000)).toEqual({ refused: { index: 0, available: 0 } });
    expect(credit.check(1n, w(now + 20_000), [entry(0, 4, { pair: 1 })], now + 30_000)).toEqual({ refused: { index: 0, available: 0 } });
    expect(credit.check(2n, w(now + 20_000), [entry(0, 4)], now + 30_000)).toEqual({ refused: { index: 0, available: 0 } });
    expect(credit.check(1n, w(now + 20_000), [entry(0, 4)], now + 30_000)).toEqual({ unbacked: [] });
  });

  it("refuses a first report with more responses than requests once it vouches for the reporter", () => {
    const credit = new ResponseCredit(options, T0);
    expect(credit.check(9n, w(VOUCHED), [entry(0, 1)], VOUCHED + 10_000)).toEqual({ refused: { index: 0, available: 0 } });
  });

  it("takes excess responses as no evidence (not refused) when counts may have gone where it cannot see", () => {
    const credit = new ResponseCredit(options, T0);
    // The window started before this process (plus the takeover grace and the clock skew): the
    // requests may have gone to the previous controller.
    const early = VOUCHED - 1;
    expect(credit.check(9n, w(early), [entry(0, 1, { index: 2 }), entry(3, 3, { index: 4, pair: 1 })], VOUCHED + 10_000)).toEqual({ unbacked: [2] });
    credit.commit(9n, w(early), [entry(0, 1)], VOUCHED + 10_000, known);
    // The reporter stays one the controller cannot vouch for.
    expect(credit.check(9n, w(VOUCHED + 10_000), [entry(0, 1)], VOUCHED + 20_000)).toEqual({ unbacked: [0] });
  });

  it("stops holding responses against a reporter after one of its reports was refused", () => {
    const credit = new ResponseCredit(options, T0);
    credit.commit(5n, w(VOUCHED), [entry(10, 10)], VOUCHED + 10_000, known);
    credit.lost(5n);
    expect(credit.check(5n, w(VOUCHED + 10_000), [entry(0, 3)], VOUCHED + 20_000)).toEqual({ unbacked: [0] });
    // lost() of a reporter it does not hold keeps nothing.
    credit.lost(6n);
    expect(credit.reporterCount).toBe(1);
  });

  it("stops vouching once a window overlaps one it took: the filter sends counts again when an answer is lost", () => {
    const credit = new ResponseCredit(options, T0);
    credit.commit(1n, w(VOUCHED), [entry(10, 0)], VOUCHED + 10_000, known);
    credit.commit(1n, w(VOUCHED + 10_000), [entry(0, 10)], VOUCHED + 20_000, known);
    // That answer did not reach the filter: it sends the 10 responses again, with 5 new requests,
    // in a window starting where the one taken did.
    expect(credit.check(1n, w(VOUCHED + 10_000, VOUCHED + 30_000), [entry(5, 10)], VOUCHED + 30_000)).toEqual({ unbacked: [0] });
    credit.commit(1n, w(VOUCHED + 10_000, VOUCHED + 30_000), [entry(5, 10)], VOUCHED + 30_000, known);
    // The 5 requests' answers come next; the controller cannot tell them from repeats any more.
    expect(credit.check(1n, w(VOUCHED + 30_000), [entry(0, 5)], VOUCHED + 40_000)).toEqual({ unbacked: [0] });
  });

  it("forgets silent reporters after creditTtlMs, and then no longer vouches for their counts", () => {
    const credit = new ResponseCredit(options, T0);
    credit.commit(1n, w(VOUCHED, VOUCHED + 1_000), [entry(10, 0)], VOUCHED + 1_000, known);
    const later = VOUCHED + 1_000 + options.creditTtlMs;
    // The 10 outstanding requests are forgotten: their responses are no evidence, but not refused.
    expect(credit.check(1n, w(VOUCHED + 1_000), [entry(0, 10)], later)).toEqual({ unbacked: [0] });
    expect(credit.reporterCount).toBe(0);
    // A reporter that starts counting after that is vouched for again.
    expect(credit.check(2n, w(later + options.maxClockSkewMs + 1), [entry(0, 1)], later + 10_000)).toEqual({ refused: { index: 0, available: 0 } });
  });

  it("stays within maxReporters and maxCreditEntries, dropping the least recently seen", () => {
    const small = resolveReportOptions({ maxReporters: 3, maxCreditEntries: 5 });
    const credit = new ResponseCredit(small, T0);
    // Reporter r reports at `at(r)`, a window of the 10 s before it.
    const at = (r: bigint) => VOUCHED + Number(r) * 100_000;
    for (let r = 1n; r <= 10n; r++) {
      credit.commit(r, w(at(r) - 10_000, at(r)), [entry(5, 0), entry(5, 0, { pair: 1 })], at(r), known);
      expect(credit.reporterCount).toBeLessThanOrEqual(3);
      expect(credit.size).toBeLessThanOrEqual(5);
    }
    // The newest two remain (two entries each); reporter 10's credit is intact and held against it.
    expect(credit.reporterCount).toBe(2);
    expect(credit.check(10n, w(at(10n)), [entry(0, 5)], at(10n) + 10_000)).toEqual({ unbacked: [] });
    expect(credit.check(10n, w(at(10n)), [entry(0, 6)], at(10n) + 10_000)).toEqual({ refused: { index: 0, available: 5 } });
    // An evicted reporter's answers are not refused: the controller no longer vouches for them.
    expect(credit.check(1n, w(at(1n)), [entry(0, 5)], at(10n) + 10_000)).toEqual({ unbacked: [0] });
  });

  it("drops counts of tables no longer kept", () => {
    const credit = new ResponseCredit(options, T0);
    credit.commit(1n, w(VOUCHED), [entry(5, 0, { version: 1n }), entry(5, 0, { version: 2n })], VOUCHED + 1, known);
    expect(credit.size).toBe(2);
    credit.commit(1n, w(VOUCHED + 10_000), [entry(1, 0, { version: 2n })], VOUCHED + 2, (v) => v !== 1n);
    expect(credit.size).toBe(1);
  });

  // A worker as docs/reports.md describes it: responses follow their requests, some are never
  // seen, a report may be throttled (429: counts kept and resent) or taken without the answer
  // reaching the worker (counts sent twice); the controller may restart, forget a silent
  // reporter, or evict it under pressure. None of that may get a report of the worker refused.
  it("never refuses a legitimate worker's reports (property)", () => {
    const step = fc.record({
      // Steps with nothing routed but answers coming in are what make responses exceed requests.
      routed: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.nat({ max: 50 }), weight: 1 }),
      answered: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      unseen: fc.double({ min: 0, max: 0.2, noNaN: true }),
      dtMs: fc.integer({ min: 1_000, max: 20_000 }),
      event: fc.constantFrom("report", "report", "report", "throttled", "answer_lost", "restart", "silence", "crowded", "none"),
    });
    const small = resolveReportOptions({ maxReporters: 4, maxCreditEntries: 8 });
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: -30_000, max: 30_000 }), (steps, skewMs) => {
      let now = T0 + 1_000;
      // Started long before the worker: it vouches for the worker from its first report.
      let credit = new ResponseCredit(small, now - 3_600_000);
      let inflight = [0, 0];
      let pending = [{ requests: 0, responses: 0 }, { requests: 0, responses: 0 }];
      let windowStart = now + skewMs;
      let other = 100n;
      for (const s of steps) {
        now += s.dtMs;
        pending = pending.map((p, pair) => {
          const routed = pair === 0 ? s.routed : s.routed >> 1;
          const answered = Math.floor((inflight[pair]! + routed) * s.answered);
          const unseen = Math.floor((inflight[pair]! + routed - answered) * s.unseen);
          inflight[pair] = inflight[pair]! + routed - answered - unseen;
          return { requests: p.requests + routed, responses: p.responses + answered };
        });
        if (s.event === "restart") credit = new ResponseCredit(small, now);
        if (s.event === "silence") now += small.creditTtlMs;
        if (s.event === "crowded") for (let k = 0; k < 6; k++) credit.commit(other++, w(now), [entry(1, 0)], now, known);
        if (!["report", "throttled", "answer_lost"].includes(s.event)) continue;
        const entries = pending.map((p, pair) => entry(p.requests, p.responses, { index: pair, pair }))
          .filter((e) => e.requests + e.responses > 0);
        if (s.event === "throttled") continue;
        const window = w(windowStart, now + skewMs);
        const checked = credit.check(1n, window, entries, now);
        expect(checked.refused).toBeUndefined();
        credit.commit(1n, window, entries, now, known);
        if (s.event === "report") {
          pending = pending.map(() => ({ requests: 0, responses: 0 }));
          windowStart = now + skewMs;
        }
      }
    }), { numRuns: 500 });
  });
});
