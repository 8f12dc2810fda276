import fc from "fast-check";
import type { ServiceConfig } from "../../../../controller/config/load.js";
import { describe, expect, it } from "vitest";
import { LATENCY_BOUNDS_MS, type FilterReport, type ReportEntry } from "../../../../controller/ingest/reports/decode.js";
import { Observations } from "../../../../controller/ingest/reports/observations.js";

const services: ServiceConfig[] = [
  { key: "shop.example.com", demandRps: 1, upstreams: { east: "site-a", west: "site-b" } },
  { key: "search.example.com", demandRps: 1, upstreams: { east: "site-a" } },
];
// Window 10 s in 10 buckets of 1 s.
const options = { windowMs: 10_000, bucketCount: 10, minLatencyResponses: 50 };
const T0 = 1_000_000_000;

const entry = (fields: Partial<ReportEntry>): ReportEntry => ({
  tableVersion: 5n, service: "shop.example.com", upstream: "site-a", requests: 0, responses: 0, responses5xx: 0,
  latencyBuckets: new Array(LATENCY_BOUNDS_MS.length).fill(0), ...fields,
});
const report = (...entries: ReportEntry[]): FilterReport => ({ reporter: 1n, windowStartMs: 0, windowEndMs: 0, entries });
/** A report whose counts were made from `windowStartMs`. */
const counted = (windowStartMs: number, ...entries: ReportEntry[]): FilterReport => ({ reporter: 1n, windowStartMs, windowEndMs: windowStartMs, entries });
/** `n` responses, all in latency bucket `b`. */
const answered = (n: number, b: number, fields: Partial<ReportEntry> = {}): ReportEntry =>
  entry({ requests: n, responses: n, latencyBuckets: LATENCY_BOUNDS_MS.map((_, k) => (k === b ? n : 0)), ...fields });

describe("observations", () => {
  it("fold reports into per-site load, p95 latency and error rate over the sliding window", () => {
    const obs = new Observations(services, options);
    // 95 fast responses (≤ 50 ms), 5 slow (≤ 1000 ms) with 2 of them 5xx: p95 is 50 ms.
    expect(obs.add(report(answered(95, 3), answered(5, 7, { service: "search.example.com", responses5xx: 2 })), T0)).toEqual({ unknown: 0 });
    expect(obs.add(report(entry({ upstream: "site-z", requests: 9 })), T0)).toEqual({ unknown: 1 });
    // At T0 the kept buckets span 9 s (nine whole ones and the current one, just begun).
    expect(obs.site("east", T0)).toEqual({ loadRps: 100 / 9, latencyP95Ms: 50, errorRate: 0.02, responses: 100 });
    expect(obs.site("east", T0 + 500)).toEqual({ loadRps: 100 / 9.5, latencyP95Ms: 50, errorRate: 0.02, responses: 100 });
    expect(obs.site("west", T0)).toEqual({ loadRps: 0, latencyP95Ms: 0, errorRate: 0, responses: 0 });
    expect(obs.site("nowhere", T0)).toEqual({ loadRps: 0, latencyP95Ms: 0, errorRate: 0, responses: 0 });
    // 6 more slow ones: 11 of 106 over 50 ms is more than 5 %.
    obs.add(report(answered(6, 7)), T0 + 4_000);
    expect(obs.site("east", T0 + 4_000).latencyP95Ms).toBe(1_000);
    // The first report leaves the window 10 s after it came; then the second.
    expect(obs.site("east", T0 + 9_999).responses).toBe(106);
    expect(obs.site("east", T0 + 10_000)).toMatchObject({ responses: 6, latencyP95Ms: 0, loadRps: 6 / 9 });
    expect(obs.site("east", T0 + 14_000).responses).toBe(0);
  });

  it("take p95 and error rate as evidence only with minLatencyResponses responses behind them", () => {
    const obs = new Observations(services, options);
    obs.add(report(answered(49, 9, { responses5xx: 49 })), T0);
    expect(obs.site("east", T0)).toEqual({ loadRps: 49 / 9, latencyP95Ms: 0, errorRate: 0, responses: 49 });
    obs.add(report(answered(1, 9)), T0 + 1);
    expect(obs.site("east", T0 + 1)).toMatchObject({ latencyP95Ms: 5_000, errorRate: 0.98, responses: 50 });
  });

  it("take only the requests of entries whose responses are not evidence", () => {
    const obs = new Observations(services, options);
    obs.add(report(answered(100, 9), answered(60, 9, { upstream: "site-b" })), T0, new Set([0]));
    expect(obs.site("east", T0)).toEqual({ loadRps: 100 / 9, latencyP95Ms: 0, errorRate: 0, responses: 0 });
    expect(obs.site("west", T0).responses).toBe(60);
  });

  it("keep a fixed number of slots whatever arrives, and keep counting when the clock steps back", () => {
    const obs = new Observations(services, options);
    // Two sites and two services, ten buckets each.
    expect(obs.slots).toBe(40);
    for (let i = 0; i < 10_000; i++) obs.add(report(answered(1, 0), answered(1, 0, { upstream: "site-b" })), T0 + i * 7);
    expect(obs.slots).toBe(40);
    const now = T0 + 9_999 * 7;
    const before = obs.site("east", now).responses;
    obs.add(report(answered(3, 0)), now - 60_000);
    expect(obs.site("east", now).responses).toBe(before + 3);
  });

  it("agree with keeping every entry and summing those in the window (property)", () => {
    const arrival = fc.record({ dtMs: fc.integer({ min: 0, max: 4_000 }), site: fc.constantFrom("site-a", "site-b"), n: fc.nat({ max: 40 }), b: fc.nat({ max: 9 }) });
    fc.assert(fc.property(fc.array(arrival, { maxLength: 80 }), fc.integer({ min: 0, max: 12_000 }), (arrivals, lookMs) => {
      const obs = new Observations(services, { ...options, minLatencyResponses: 0 });
      const kept: Array<{ atMs: number; site: string; n: number; b: number }> = [];
      let now = T0;
      for (const a of arrivals) {
        now += a.dtMs;
        obs.add(report(answered(a.n, a.b, { upstream: a.site })), now);
        kept.push({ atMs: now, ...a });
      }
      const at = now + lookMs;
      // The window: arrivals in the ten 1 s buckets up to and including the current one.
      const inWindow = kept.filter((k) => Math.floor(k.atMs / 1_000) > Math.floor(at / 1_000) - 10 && k.site === "site-a");
      const total = inWindow.reduce((s, k) => s + k.n, 0);
      const seen = obs.site("east", at);
      expect(seen.responses).toBe(total);
      expect(seen.loadRps).toBeCloseTo(total / ((at - (Math.floor(at / 1_000) - 9) * 1_000) / 1_000), 9);
      if (total > 0) {
        const sorted = inWindow.flatMap((k) => new Array(k.n).fill(LATENCY_BOUNDS_MS[k.b]!)).sort((x, y) => x - y);
        const p95 = sorted[Math.ceil(total * 0.95) - 1]!;
        expect(seen.latencyP95Ms).toBe(Number.isFinite(p95) ? p95 : 5_000);
      }
    }), { numRuns: 300 });
  });

  it("read a service's demand over all its upstreams, and nothing before a report names it", () => {
    const obs = new Observations(services, options);
    expect(obs.service("shop.example.com", T0)).toBeNull();
    obs.add(report(entry({ requests: 60 }), entry({ upstream: "site-b", requests: 30 }), entry({ service: "search.example.com", requests: 9 })), T0);
    expect(obs.service("shop.example.com", T0)).toEqual({ demandRps: 90 / 9, coveredMs: 9_000 });
    expect(obs.service("search.example.com", T0)).toEqual({ demandRps: 1, coveredMs: 9_000 });
    expect(obs.service("unknown.example.com", T0)).toBeNull();
    // Reports came, then stopped: no requests in the window is an observation of 0.
    expect(obs.service("shop.example.com", T0 + 20_000)).toEqual({ demandRps: 0, coveredMs: 9_000 });
  });

  it("divide by the time the counts cover since the first report's window, not the whole window", () => {
    // A controller that started just now gets a worker's report covering the last 4 s: 400 requests.
    const obs = new Observations(services, options);
    obs.add(counted(T0 - 4_000, entry({ requests: 400 })), T0);
    expect(obs.service("shop.example.com", T0)).toEqual({ demandRps: 100, coveredMs: 4_000 });
    expect(obs.site("east", T0).loadRps).toBe(100);
    // 3 s later the next one, 300 more: still 100 rps, over 7 s.
    obs.add(counted(T0, entry({ requests: 300 })), T0 + 3_000);
    expect(obs.service("shop.example.com", T0 + 3_000)).toEqual({ demandRps: 100, coveredMs: 7_000 });
    // Once the window is longer than the time since, the kept buckets' span is the divisor again.
    expect(obs.service("shop.example.com", T0 + 9_000)!.coveredMs).toBe(9_000);
    // No report has named west yet: it reads 0.
    expect(obs.site("west", T0 + 3_000).loadRps).toBe(0);
  });

  it("never divide by less than one bucket, nor count from a window start ahead of arrival", () => {
    const obs = new Observations(services, options);
    obs.add(counted(T0 + 30_000, entry({ requests: 10 })), T0);
    expect(obs.service("shop.example.com", T0)).toEqual({ demandRps: 10, coveredMs: 1_000 });
    expect(obs.service("shop.example.com", T0 + 500)).toEqual({ demandRps: 10, coveredMs: 1_000 });
    expect(obs.service("shop.example.com", T0 + 2_000)).toEqual({ demandRps: 5, coveredMs: 2_000 });
  });

  it("refuse bad options, naming them", () => {
    expect(() => new Observations(services, { bucketCount: 0 })).toThrow("bucketCount: must be above 0");
    expect(() => new Observations(services, { windowMs: 10_001, bucketCount: 10 })).toThrow("windowMs: must be a multiple of bucketCount (10), got 10001");
    expect(() => new Observations(services, { minLatencyResponses: -1 })).toThrow("minLatencyResponses: must be an integer ≥ 0, got -1");
  });
});
