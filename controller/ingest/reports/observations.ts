// What the filters report, folded into per-site observations for the planner (requests/s served,
// p95 latency and 5xx share) and per-service demand (requests/s), over a sliding window. Counts
// are added on arrival into a fixed ring of time buckets per site and per service, so memory is
// the same whatever the report rate and a read costs O(buckets). Rates divide by the time the
// counts actually cover: from the start of the first report's window, up to the whole window, so
// a controller that has just started (or a service just seen) does not read a fraction of its load.
import type { ServiceConfig } from "../../config/load.js";
import { LATENCY_BOUNDS_MS, type FilterReport } from "./decode.js";
import { resolveReportOptions, type ReportOptions } from "./report-options.js";

export interface SiteObservation {
  /** Requests/s routed to the site over the window (over the time it covers, when that is shorter). */
  loadRps: number;
  /** p95 latency from the reported buckets (bucket upper bound); 0 with fewer than `minLatencyResponses` responses. */
  latencyP95Ms: number;
  /** Share of observed responses that were 5xx; 0 with fewer than `minLatencyResponses` responses. */
  errorRate: number;
  /** Responses in the window behind latencyP95Ms and errorRate. */
  responses: number;
}

export interface ServiceObservation {
  /** Requests/s the filters routed for the service, all upstreams together. */
  readonly demandRps: number;
  /** The time those requests were counted over, in ms: the window, or less since the first report. */
  readonly coveredMs: number;
}

// Per site bucket: requests, responses, 5xx, then the latency buckets. Per service bucket: requests.
const REQUESTS = 0;
const RESPONSES = 1;
const ERRORS = 2;
const LATENCY = 3;
const STRIDE = LATENCY + LATENCY_BOUNDS_MS.length;

interface Ring {
  /** Which time bucket (floor(ms / bucketMs)) each slot holds; -1 when empty. */
  readonly ids: Float64Array;
  readonly counts: Float64Array;
  readonly stride: number;
  /** Start of the first taken report's window with counts here (NaN before one): counts cover the time since. */
  coveredSinceMs: number;
}

type ObservationOptions = Pick<ReportOptions, "windowMs" | "bucketCount" | "minLatencyResponses">;

export class Observations {
  private readonly pairs = new Map<string, number>();
  /** Site and service of each configured (service, upstream) pair, by pair number. */
  private readonly pairSite: string[] = [];
  private readonly pairService: string[] = [];
  private readonly siteRings = new Map<string, Ring>();
  private readonly serviceRings = new Map<string, Ring>();
  private readonly bucketMs: number;
  private readonly options: ObservationOptions;

  /** Throws ControllerError naming a bad option. */
  constructor(services: readonly ServiceConfig[], options: Partial<ReportOptions> = {}) {
    this.options = resolveReportOptions(options);
    this.bucketMs = this.options.windowMs / this.options.bucketCount;
    const ring = (stride: number): Ring => {
      const n = this.options.bucketCount;
      return { ids: new Float64Array(n).fill(-1), counts: new Float64Array(n * stride), stride, coveredSinceMs: Number.NaN };
    };
    for (const s of services) {
      this.serviceRings.set(s.key, ring(1));
      for (const [site, upstream] of Object.entries(s.upstreams)) {
        this.pairs.set(`${s.key}/${upstream}`, this.pairSite.length);
        this.pairSite.push(site);
        this.pairService.push(s.key);
        if (!this.siteRings.has(site)) this.siteRings.set(site, ring(STRIDE));
      }
    }
  }

  /** The configured (service, upstream) pair's number, or undefined when the configuration does not name it. */
  pair(service: string, upstream: string): number | undefined {
    return this.pairs.get(`${service}/${upstream}`);
  }

  /** Memory held, in time-bucket slots: (sites + services) × bucketCount, whatever was reported. */
  get slots(): number {
    return (this.siteRings.size + this.serviceRings.size) * this.options.bucketCount;
  }

  /**
   * Folds in one accepted report at its arrival time. Entries for services or upstreams the
   * configuration does not know are counted and skipped; for entries in `requestsOnly` (by
   * index) the responses are not evidence, so only their requests are taken.
   */
  add(report: FilterReport, nowMs: number, requestsOnly: ReadonlySet<number> = new Set()): { unknown: number } {
    let unknown = 0;
    const id = Math.floor(nowMs / this.bucketMs);
    // The report's counts were made from its window's start; a start ahead of arrival (skew) counts as arrival.
    const countedFromMs = Math.min(report.windowStartMs, nowMs);
    report.entries.forEach((e, i) => {
      const pair = this.pair(e.service, e.upstream);
      if (pair === undefined) {
        unknown++;
        return;
      }
      const served = this.bucket(this.serviceRings.get(this.pairService[pair]!)!, id, countedFromMs);
      served.ring.counts[served.at] = served.ring.counts[served.at]! + e.requests;
      const { ring, at } = this.bucket(this.siteRings.get(this.pairSite[pair]!)!, id, countedFromMs);
      const c = ring.counts;
      c[at + REQUESTS] = c[at + REQUESTS]! + e.requests;
      if (requestsOnly.has(i)) return;
      c[at + RESPONSES] = c[at + RESPONSES]! + e.responses;
      c[at + ERRORS] = c[at + ERRORS]! + e.responses5xx;
      for (let b = 0; b < LATENCY_BOUNDS_MS.length; b++) c[at + LATENCY + b] = c[at + LATENCY + b]! + e.latencyBuckets[b]!;
    });
    return { unknown };
  }

  /** The site's observation over the window ending now (zeros when nothing was reported). */
  site(site: string, nowMs: number): SiteObservation {
    const ring = this.siteRings.get(site);
    const sums = new Float64Array(STRIDE);
    if (ring !== undefined) this.sum(ring, nowMs, sums);
    const responses = sums[RESPONSES]!;
    const evidence = responses >= this.options.minLatencyResponses && responses > 0;
    return {
      loadRps: ring === undefined ? 0 : sums[REQUESTS]! / (this.coveredMs(ring, nowMs) / 1000),
      latencyP95Ms: evidence ? p95(sums.subarray(LATENCY), responses) : 0,
      errorRate: evidence ? sums[ERRORS]! / responses : 0,
      responses,
    };
  }

  /**
   * The service's demand over the window ending now; null before any report for it, when the
   * planner has only its configured prior. Once reports came, no requests in the window reads 0.
   */
  service(service: string, nowMs: number): ServiceObservation | null {
    const ring = this.serviceRings.get(service);
    if (ring === undefined || Number.isNaN(ring.coveredSinceMs)) return null;
    const sums = new Float64Array(1);
    this.sum(ring, nowMs, sums);
    const coveredMs = this.coveredMs(ring, nowMs);
    return { demandRps: sums[0]! / (coveredMs / 1000), coveredMs };
  }

  /** The slot for time bucket `id` in `ring`, emptied first if it held an older bucket. */
  private bucket(ring: Ring, id: number, countedFromMs: number): { ring: Ring; at: number } {
    if (Number.isNaN(ring.coveredSinceMs)) ring.coveredSinceMs = countedFromMs;
    const slot = id % this.options.bucketCount;
    // A slot holding a later bucket (the clock stepped back) keeps it: the counts go there.
    if (ring.ids[slot]! < id) {
      ring.ids[slot] = id;
      ring.counts.fill(0, slot * ring.stride, (slot + 1) * ring.stride);
    }
    return { ring, at: slot * ring.stride };
  }

  /** Adds up the ring's buckets within the window ending now into `sums` (one per stride field). */
  private sum(ring: Ring, nowMs: number, sums: Float64Array): void {
    const n = this.options.bucketCount;
    const id = Math.floor(nowMs / this.bucketMs);
    for (let slot = 0; slot < n; slot++) {
      const age = id - ring.ids[slot]!;
      if (ring.ids[slot]! < 0 || age < 0 || age >= n) continue;
      for (let k = 0; k < ring.stride; k++) sums[k] = sums[k]! + ring.counts[slot * ring.stride + k]!;
    }
  }

  /**
   * The time the ring's counts cover up to now: the kept buckets span from the start of the oldest
   * one to now, but no further back than the first report's window; at least one bucket.
   */
  private coveredMs(ring: Ring, nowMs: number): number {
    const id = Math.floor(nowMs / this.bucketMs);
    const spanMs = nowMs - (id - this.options.bucketCount + 1) * this.bucketMs;
    const sinceMs = Number.isNaN(ring.coveredSinceMs) ? spanMs : nowMs - ring.coveredSinceMs;
    return Math.max(this.bucketMs, Math.min(spanMs, sinceMs));
  }
}

function p95(buckets: Float64Array, total: number): number {
  const rank = Math.ceil(total * 0.95);
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    seen += buckets[b]!;
    if (seen >= rank) {
      const bound = LATENCY_BOUNDS_MS[b]!;
      // Above the last bound there is no upper edge: report the last finite one, doubled.
      return Number.isFinite(bound) ? bound : LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 2]! * 2;
    }
  }
  return 0;
}
