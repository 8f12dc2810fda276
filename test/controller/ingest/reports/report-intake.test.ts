import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../../controller/config/load.js";
import type { KnownTables } from "../../../../controller/ingest/reports/check-report.js";
import type { FilterReport, ReportEntry } from "../../../../controller/ingest/reports/decode.js";
import { encodeReport } from "../../../../controller/ingest/reports/encode.js";
import { Observations } from "../../../../controller/ingest/reports/observations.js";
import { ReportIntake } from "../../../../controller/ingest/reports/report-intake.js";
import { DEFAULT_REPORT_OPTIONS } from "../../../../controller/ingest/reports/report-options.js";

const T0 = 1_767_225_600_000;
// Long enough after start that the controller vouches for reporters it has not seen.
const NOW = T0 + 10 * 60_000;
const tables: KnownTables = { isKnown: (v) => v === 41n || v === 42n };

async function setup() {
  const config = await loadConfig(undefined);
  const observations = new Observations(config.services);
  const intake = new ReportIntake(observations, tables, {}, T0);
  return { observations, intake };
}

const slow = (n: number): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, n];
const fast = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const entry = (fields: Partial<ReportEntry>): ReportEntry => ({
  tableVersion: 42n, service: "shop.example.com", upstream: "site-ber", requests: 0, responses: 0, responses5xx: 0,
  latencyBuckets: fast(0), ...fields,
});
const bytes = (fields: Partial<FilterReport>): Uint8Array => encodeReport({
  reporter: 0x5eedn, windowStartMs: NOW - 10_000, windowEndMs: NOW, entries: [], ...fields,
});

describe("report intake", () => {
  it("refuses the forged one-entry report (no requests, one slow response, a version never published)", async () => {
    const { observations, intake } = await setup();
    const forged = bytes({ reporter: 0xbadn, entries: [entry({ tableVersion: 999n, responses: 1, latencyBuckets: slow(1) })] });
    const taken = intake.take(forged, NOW);
    expect(taken.reason).toBe("unknown_table_version");
    expect(taken.error?.field).toBe("report.entries.0.table_version");
    expect(observations.site("berlin", NOW)).toEqual({ loadRps: 0, latencyP95Ms: 0, errorRate: 0, responses: 0 });
    expect(intake.credit.reporterCount).toBe(0);
  });

  it("refuses responses with nothing behind them for a table it did publish, naming the entry's responses", async () => {
    const { observations, intake } = await setup();
    const forged = bytes({ reporter: 0xbadn, entries: [
      entry({ service: "search.example.com", requests: 5, responses: 5, latencyBuckets: fast(5) }),
      entry({ responses: 1, latencyBuckets: slow(1) }),
    ] });
    const taken = intake.take(forged, NOW);
    expect(taken.reason).toBe("unbacked_responses");
    expect(taken.error?.field).toBe("report.entries.1.responses");
    expect(taken.error?.message).toContain("1 responses, but only 0 requests");
    expect(observations.site("berlin", NOW).loadRps).toBe(0);
    expect(intake.credit.size).toBe(0);
  });

  it("takes a slow response that crosses into the next report, from a worker it has seen", async () => {
    const { observations, intake } = await setup();
    const first = bytes({ windowStartMs: NOW - 20_000, windowEndMs: NOW - 10_000, entries: [entry({ requests: 60, responses: 59, latencyBuckets: fast(59) })] });
    expect(intake.take(first, NOW - 10_000).value).toEqual({ entries: 1, requests: 60, unknown: 0, unbacked: 0 });
    // The 60th request's response comes in the next window, with nothing new routed.
    const second = bytes({ windowStartMs: NOW - 10_000, entries: [entry({ responses: 1, latencyBuckets: slow(1) })] });
    expect(intake.take(second, NOW).value).toEqual({ entries: 1, requests: 0, unknown: 0, unbacked: 0 });
    expect(observations.site("berlin", NOW)).toMatchObject({ responses: 60, latencyP95Ms: 5 });
  });

  it("takes, as no evidence, responses of a reporter whose earlier counts it cannot have seen", async () => {
    const { observations, intake } = await setup();
    // Right after the start: the requests may have gone to the controller process before this one.
    const early = bytes({ windowStartMs: T0 - 5_000, windowEndMs: T0 + 5_000, entries: [
      entry({ requests: 0, responses: 80, latencyBuckets: slow(80) }),
      entry({ upstream: "site-sf", requests: 10, responses: 10, latencyBuckets: fast(10) }),
      entry({ service: "unknown.example.com", requests: 0, responses: 3, latencyBuckets: slow(3) }),
    ] });
    expect(intake.take(early, T0 + 5_000).value).toEqual({ entries: 3, requests: 10, unknown: 1, unbacked: 1 });
    expect(observations.site("berlin", T0 + 5_000)).toMatchObject({ responses: 0, latencyP95Ms: 0 });
    expect(observations.site("san-francisco", T0 + 5_000)).toMatchObject({ responses: 10 });
  });

  it("refuses malformed bytes, naming the field, and charges them to the budget", async () => {
    const { observations } = await setup();
    const intake = new ReportIntake(observations, tables, { budgetBurstBytes: 4 * DEFAULT_REPORT_OPTIONS.minChargeBytes }, T0);
    const bad = bytes({ entries: [entry({ requests: 1 })] });
    bad[bad.length - 1]! ^= 1;
    for (let i = 0; i < 4; i++) {
      expect(intake.admit(NOW)).toEqual({ ok: true });
      expect(intake.take(bad, NOW)).toMatchObject({ reason: "malformed", error: { field: "report.crc32" } });
    }
    expect(intake.admit(NOW)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(() => new ReportIntake(observations, tables, { maxReporters: 1.5 })).toThrow("maxReporters: must be an integer ≥ 0, got 1.5");
  });

  it("lets a refused reporter's later answers in as no evidence, since the filter dropped the refused counts", async () => {
    const { observations, intake } = await setup();
    const r = { windowStartMs: NOW - 30_000, windowEndMs: NOW - 20_000 };
    expect(intake.take(bytes({ ...r, entries: [entry({ requests: 70, responses: 70, latencyBuckets: fast(70) })] }), NOW - 20_000).value).toBeDefined();
    // Refused: its 10 requests are dropped by the filter ...
    const refused = bytes({ windowStartMs: NOW - 20_000, windowEndMs: NOW - 10_000, entries: [entry({ requests: 10 }), entry({ tableVersion: 7n, requests: 1 })] });
    expect(intake.take(refused, NOW - 10_000).error?.field).toBe("report.entries.1.table_version");
    // ... so their responses arrive with nothing the controller saw behind them.
    const answers = bytes({ windowStartMs: NOW - 10_000, entries: [entry({ responses: 10, latencyBuckets: slow(10) })] });
    expect(intake.take(answers, NOW).value).toEqual({ entries: 1, requests: 0, unknown: 0, unbacked: 1 });
    expect(observations.site("berlin", NOW)).toMatchObject({ responses: 70, latencyP95Ms: 5 });
  });
});
