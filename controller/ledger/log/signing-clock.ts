// Timestamps for checkpoint cosignatures that never go backwards. A checkpoint's timestamp says
// "this was the latest tree at time t", so a later checkpoint stamped earlier than an older one is
// a contradiction a monitor may flag. The wall clock can step back (NTP, a VM restored from a
// snapshot, a wrong RTC at boot), so the clock carries time forward from the last timestamp by a
// monotonic clock: each stamp is max(wall clock, previous stamp + monotonic time since). Pure; both
// clocks are parameters.

export class SigningClock {
  /** The time of the previous stamp, with its fraction, and the monotonic reading it was taken at. */
  private anchorSeconds: number;
  private anchorMs: number;
  private issued: number;

  /**
   * @param lastSeconds the stored checkpoint's cosignature time (0 for a new log)
   * @param wallSeconds POSIX seconds from the wall clock
   * @param monotonicMs a clock that never steps, in milliseconds
   */
  constructor(
    lastSeconds: number,
    private readonly wallSeconds: () => number,
    private readonly monotonicMs: () => number,
  ) {
    if (!Number.isSafeInteger(lastSeconds) || lastSeconds < 0) throw new RangeError(`lastSeconds must be a non-negative integer, got ${lastSeconds}`);
    this.anchorSeconds = lastSeconds;
    this.anchorMs = monotonicMs();
    this.issued = lastSeconds;
  }

  /** Whole seconds for the next cosignature: at least the previous one and at least the wall clock. */
  next(): number {
    const at = this.monotonicMs();
    // Fractions are kept in the anchor, so frequent stamps still advance with the monotonic clock.
    const carried = this.anchorSeconds + Math.max(0, at - this.anchorMs) / 1000;
    const now = Math.max(this.wallSeconds(), carried);
    this.anchorSeconds = now;
    this.anchorMs = at;
    this.issued = Math.max(this.issued, Math.floor(now));
    return this.issued;
  }
}
