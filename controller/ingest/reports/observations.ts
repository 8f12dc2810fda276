// What the filters report, folded into per-site observations for the planner: requests/s served,
// p95 latency and 5xx share over a sliding window. Counts are added on arrival into a fixed ring
// of time buckets per site, so memory is the same whatever the report rate and `site()` costs
// O(buckets). Reports arrive per worker and per table version; the planner needs only sites.
import type { ServiceConfig } from "../../config/load.js";
import { LATENCY_BOUNDS_MS, type FilterReport } from "./decode.js";
import { resolveReportOptions, type ReportOptions } from "./report-options.js";

export interface SiteObservation {
  /** Requests/s routed to the site over the window. */
  loadRps: number;
  /** p95 latency from the reported buckets (bucket upper bound); 0 with fewer than `minLatencyResponses` responses. */
  latencyP95Ms: number;
  /** Share of observed responses that were 5xx; 0 with fewer than `minLatencyResponses` responses. */
  errorRate: number;
  /** Responses in the window behind latencyP95Ms and errorRate. */
  responses: number;
}

// Per bucket: requests, responses, 5xx, then the latency buckets.
const REQUESTS = 0;
const RESPONSES = 1;
const ERRORS = 2;
const LATENCY = 3;
const STRIDE = LATENCY + LATENCY_BOUNDS_MS.length;

interface SiteRing {
  /** Which time bucket (floor(ms / bucketMs)) each slot holds; -1 when empty. */
  readonly ids: Float64Array;
  readonly counts: Float64Array;
}

type ObservationOptions = Pick<ReportOptions, "windowMs" | "bucketCount" | "minLatencyResponses">;

export class Observations {
  private readonly pairs = new Map<string, number>();
  /** Site of each configured (service, upstream) pair, by pair number. */
  private readonly pairSite: string[] = [];
  private readonly rings = new Map<string, SiteRing>();
  private readonly bucketMs: number;
  private readonly options: ObservationOptions;

  /** Throws ControllerError naming a bad option. */
  constructor(services: readonly ServiceConfig[], options: Partial<ReportOptions> = {}) {
    this.options = resolveReportOptions(options);
    this.bucketMs = this.options.windowMs / this.options.bucketCount;
    for (const s of services) {
      for (const [site, upstream] of Object.entries(s.upstreams)) {
        this.pairs.set(`${s.key}/${upstream}`, this.pairSite.length);
        this.pairSite.push(site);
        if (!this.rings.has(site)) {
          const n = this.options.bucketCount;
          this.rings.set(site, { ids: new Float64Array(n).fill(-1), counts: new Float64Array(n * STRIDE) });
        }
      }
    }
  }

  /** The configured (service, upstream) pair's number, or undefined when the configuration does not name it. */
  pair(service: string, upstream: string): number | undefined {
    return this.pairs.get(`${service}/${upstream}`);
  }

  /** Memory held, in time-bucket slots: sites × bucketCount, whatever was reported. */
  get slots(): number {
    return this.rings.size * this.options.bucketCount;
  }

  /**
   * Folds in one accepted report at its arrival time. Entries for services or upstreams the
   * configuration does not know are counted and skipped; for entries in `requestsOnly` (by
   * index) the responses are not evidence, so only their requests are taken.
   */
  add(report: FilterReport, nowMs: number, requestsOnly: ReadonlySet<number> = new Set()): { unknown: number } {
    let unknown = 0;
    const id = Math.floor(nowMs / this.bucketMs);
    report.entries.forEach((e, i) => {
      const pair = this.pair(e.service, e.upstream);
      if (pair === undefined) {
        unknown++;
        return;
      }
      const ring = this.rings.get(this.pairSite[pair]!)!;
      const slot = id % this.options.bucketCount;
      // A slot holding a later bucket (the clock stepped back) keeps it: the counts go there.
      if (ring.ids[slot]! < id) {
        ring.ids[slot] = id;
        ring.counts.fill(0, slot * STRIDE, (slot + 1) * STRIDE);
      }
      const at = slot * STRIDE;
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
    const ring = this.rings.get(site);
    const n = this.options.bucketCount;
    const id = Math.floor(nowMs / this.bucketMs);
    const sums = new Float64Array(STRIDE);
    if (ring !== undefined) {
      for (let slot = 0; slot < n; slot++) {
        const age = id - ring.ids[slot]!;
        if (ring.ids[slot]! < 0 || age < 0 || age >= n) continue;
        for (let k = 0; k < STRIDE; k++) sums[k] = sums[k]! + ring.counts[slot * STRIDE + k]!;
      }
    }
    // The buckets kept span from the start of the oldest one to now.
    const spanMs = Math.max(this.bucketMs, nowMs - (id - n + 1) * this.bucketMs);
    const responses = sums[RESPONSES]!;
    const evidence = responses >= this.options.minLatencyResponses && responses > 0;
    return {
      loadRps: sums[REQUESTS]! / (spanMs / 1000),
      latencyP95Ms: evidence ? p95(sums.subarray(LATENCY), responses) : 0,
      errorRate: evidence ? sums[ERRORS]! / responses : 0,
      responses,
    };
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
