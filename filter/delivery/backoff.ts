// Retry delays after failed polls: 1 s doubling to 30 s, reset by a success. Each delay is drawn
// from [d/2, d) so that proxies that lost the controller together do not retry together.
export const BACKOFF_FIRST_MS: u32 = 1000;
export const BACKOFF_MAX_MS: u32 = 30000;

export class Backoff {
  private ceilingMs: u32 = BACKOFF_FIRST_MS;

  /** The wait before the next attempt; `draw` is uniform over u64. */
  next(draw: u64): u32 {
    const half = this.ceilingMs >> 1;
    const jitter = <u32>(((draw >>> 32) * <u64>half) >>> 32);
    this.ceilingMs = this.ceilingMs >= BACKOFF_MAX_MS >> 1 ? BACKOFF_MAX_MS : this.ceilingMs << 1;
    return half + jitter;
  }

  reset(): void {
    this.ceilingMs = BACKOFF_FIRST_MS;
  }
}
