// Added latency of every request, weighted by request count, in 1 ms bins up to 2 s: exact
// enough for p50/p95 and the same memory however long the run.
const BINS = 2_001;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BINS);
  private total = 0;

  add(ms: number, count: number): void {
    const bin = Math.min(BINS - 1, Math.max(0, Math.round(ms)));
    this.counts[bin]! += count;
    this.total += count;
  }

  /** Smallest latency (ms) at or below which a fraction q of requests lie; 0 with no requests. */
  quantile(q: number): number {
    if (this.total <= 0) return 0;
    const target = q * this.total;
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.counts[i]!;
      if (seen >= target - 1e-9 * this.total) return i;
    }
    return BINS - 1;
  }
}
