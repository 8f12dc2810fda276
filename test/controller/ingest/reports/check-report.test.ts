import { describe, expect, it } from "vitest";
import { checkReport, type KnownTables } from "../../../../controller/ingest/reports/check-report.js";
import type { FilterReport, ReportEntry } from "../../../../controller/ingest/reports/decode.js";
import { resolveReportOptions } from "../../../../controller/ingest/reports/report-options.js";

const NOW = 1_767_225_600_000;
const options = resolveReportOptions();
const tables: KnownTables = { isKnown: (v) => v === 7n || v === 8n };

const entry = (fields: Partial<ReportEntry> = {}): ReportEntry => ({
  tableVersion: 7n, service: "shop.example.com", upstream: "site-ber", requests: 10, responses: 10, responses5xx: 0,
  latencyBuckets: [10, 0, 0, 0, 0, 0, 0, 0, 0, 0], ...fields,
});
const report = (fields: Partial<FilterReport> = {}): FilterReport => ({
  reporter: 1n, windowStartMs: NOW - 10_000, windowEndMs: NOW, entries: [entry(), entry({ tableVersion: 8n })], ...fields,
});

describe("report rules", () => {
  it("accept a filter's ordinary report, and windows at the edges of every bound", () => {
    expect(checkReport(report(), NOW, tables, options)).toBeNull();
    expect(checkReport(report({ windowEndMs: NOW + options.maxClockSkewMs }), NOW, tables, options)).toBeNull();
    const oldest = NOW - options.maxReportAgeMs - options.maxClockSkewMs;
    expect(checkReport(report({ windowStartMs: oldest - 10_000, windowEndMs: oldest }), NOW, tables, options)).toBeNull();
    expect(checkReport(report({ windowStartMs: NOW - options.maxWindowMs }), NOW, tables, options)).toBeNull();
    // An empty report breaks no rule (and changes nothing).
    expect(checkReport(report({ entries: [] }), NOW, tables, options)).toBeNull();
    // Responses above requests are for the credit to judge, not for these rules.
    expect(checkReport(report({ entries: [entry({ requests: 0, responses: 3, latencyBuckets: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0] })] }), NOW, tables, options)).toBeNull();
  });

  const cases: Array<[string, Partial<FilterReport>, string, string]> = [
    ["a window ending in the future beyond the clock skew", { windowEndMs: NOW + options.maxClockSkewMs + 1 }, "report.window_end_ms", "window"],
    ["a window that ended longer ago than a report can take to arrive",
      { windowStartMs: NOW - 700_000, windowEndMs: NOW - options.maxReportAgeMs - options.maxClockSkewMs - 1 }, "report.window_end_ms", "window"],
    ["a window longer than maxWindowMs", { windowStartMs: NOW - options.maxWindowMs - 1 }, "report.window_start_ms", "window"],
    ["a window starting at the epoch", { windowStartMs: 0 }, "report.window_start_ms", "window"],
    ["a table version the controller never published", { entries: [entry(), entry({ tableVersion: 9n })] }, "report.entries.1.table_version", "unknown_table_version"],
    ["an entry without requests or responses",
      { entries: [entry({ requests: 0, responses: 0, latencyBuckets: new Array(10).fill(0) })] }, "report.entries.0", "counts"],
    ["more requests than one worker can route in the window (10 s × 100,000/s)",
      { entries: [entry({ requests: 600_000 }), entry({ tableVersion: 8n, requests: 400_001 })] }, "report.entries.1.requests", "counts"],
    ["more than 100,000 requests in a window shorter than a second",
      { windowStartMs: NOW - 10, entries: [entry({ requests: 100_001 })] }, "report.entries.0.requests", "counts"],
  ];
  for (const [name, fields, field, reason] of cases) {
    it(`refuse ${name}, naming ${field}`, () => {
      const refusal = checkReport(report(fields), NOW, tables, options);
      expect(refusal?.reason).toBe(reason);
      expect(refusal?.error.code).toBe("invalid_argument");
      expect(refusal?.error.field).toBe(field);
      expect(refusal?.error.message).toMatch(new RegExp(`^${field.replace(/\./g, "\\.")}: `));
    });
  }

  it("check the window before the entries, and entries in order", () => {
    const both = report({ windowEndMs: NOW + 60_000, entries: [entry({ tableVersion: 1n })] });
    expect(checkReport(both, NOW, tables, options)?.error.field).toBe("report.window_end_ms");
    const two = report({ entries: [entry({ requests: 0, responses: 0, latencyBuckets: new Array(10).fill(0) }), entry({ tableVersion: 1n })] });
    expect(checkReport(two, NOW, tables, options)?.error.field).toBe("report.entries.0");
  });
});
