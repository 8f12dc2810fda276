// What the filters report, folded into per-site observations for the planner: requests/s served
// and p95 latency over a sliding window, and 5xx share. Reports arrive per worker and per table
// version; the planner needs only sites.
import type { ServiceConfig } from "../config/load.js";
import { LATENCY_BOUNDS_MS, type FilterReport } from "./decode.js";

export interface SiteObservation {
  /** Requests/s routed to the site over the window. */
  loadRps: number;
  /** p95 latency from the reported buckets (bucket upper bound), 0 when no response was seen. */
  latencyP95Ms: number;
  /** Share of observed responses that were 5xx. */
  errorRate: number;
}

interface Slice {
  atMs: number;
  spanMs: number;
  requests: number;
  responses: number;
  responses5xx: number;
  buckets: number[];
}

export class Observations {
  /** "service/upstream" → site */
  private readonly siteOf = new Map<string, string>();
  private readonly slices = new Map<string, Slice[]>();

  constructor(services: readonly ServiceConfig[], private readonly windowMs = 60_000) {
    for (const s of services) for (const [site, upstream] of Object.entries(s.upstreams)) this.siteOf.set(`${s.key}/${upstream}`, site);
  }

  /** Folds in one report; entries for services or upstreams the configuration does not know are counted and skipped. */
  add(report: FilterReport, nowMs: number): { unknown: number } {
    let unknown = 0;
    const spanMs = Math.max(1, report.windowEndMs - report.windowStartMs);
    for (const e of report.entries) {
      const site = this.siteOf.get(`${e.service}/${e.upstream}`);
      if (site === undefined) {
        unknown++;
        continue;
      }
      const list = this.slices.get(site) ?? [];
      list.push({ atMs: nowMs, spanMs, requests: e.requests, responses: e.responses, responses5xx: e.responses5xx, buckets: e.latencyBuckets });
      this.slices.set(site, list);
    }
    this.prune(nowMs);
    return { unknown };
  }

  /** The site's observation over the window ending now (zeros when nothing was reported). */
  site(site: string, nowMs: number): SiteObservation {
    this.prune(nowMs);
    const list = this.slices.get(site) ?? [];
    if (list.length === 0) return { loadRps: 0, latencyP95Ms: 0, errorRate: 0 };
    // Reports from several workers cover the same span; sum their requests over the window.
    const requests = list.reduce((n, s) => n + s.requests, 0);
    const responses = list.reduce((n, s) => n + s.responses, 0);
    const errors = list.reduce((n, s) => n + s.responses5xx, 0);
    const buckets = LATENCY_BOUNDS_MS.map((_, b) => list.reduce((n, s) => n + (s.buckets[b] ?? 0), 0));
    return {
      loadRps: requests / (this.windowMs / 1000),
      latencyP95Ms: p95(buckets, responses),
      errorRate: responses > 0 ? errors / responses : 0,
    };
  }

  private prune(nowMs: number): void {
    for (const [site, list] of this.slices) {
      const kept = list.filter((s) => s.atMs > nowMs - this.windowMs);
      if (kept.length === 0) this.slices.delete(site);
      else this.slices.set(site, kept);
    }
  }
}

function p95(buckets: number[], total: number): number {
  if (total === 0) return 0;
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
