// Which responses a reporter can have: for each (reporter, table version, service, upstream), the
// requests it reported minus the responses it reported. A worker counts a response only for a
// request it counted, so over its reports responses never overtake requests, although in one
// report they can (the request went out in an earlier one). An entry may therefore carry at most
// its requests plus what is outstanding from before.
//
// The controller can hold that against a reporter only while it has seen each of the reporter's
// counts exactly once ("vouches" for it): not for counts sent to an earlier controller process,
// to state it has since dropped (ageing, capacity), in reports it refused (the filter dropped
// them), or once a window overlaps one it took (the filter did not get the answer and sends those
// counts again, or sends the rest of a report that was too large). Then excess responses are not
// refused but taken as no evidence: unbacked responses never count.
// Memory is bounded: reporters expire, and the least recently seen go when a cap is reached.
import type { ReportOptions } from "./report-options.js";

/** One report entry for a configured (service, upstream) pair, as the credit sees it. */
export interface CreditEntry {
  /** Its index in the report (for the refusal's field). */
  readonly index: number;
  readonly version: bigint;
  /** The configured (service, upstream) pair, as a small number. */
  readonly pair: number;
  readonly requests: number;
  readonly responses: number;
}

export type CreditCheck =
  | { readonly refused: { readonly index: number; readonly available: number }; readonly unbacked?: undefined }
  /** Report indices of entries whose responses are more than the credit could back. */
  | { readonly unbacked: readonly number[]; readonly refused?: undefined };

/** A report's counting window, on the reporter's clock. */
export interface CreditWindow {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

interface ReporterCredit {
  touchedMs: number;
  /** End of the latest window taken: the next report's window starts there unless it repeats counts. */
  lastEndMs: number;
  /** True while every count this reporter sent was taken by this process and is still here. */
  complete: boolean;
  size: number;
  /** table version → pair → requests without a response (absent: 0). */
  readonly outstanding: Map<bigint, Map<number, number>>;
}

type CreditOptions = Pick<ReportOptions, "maxClockSkewMs" | "takeoverGraceMs" | "creditTtlMs" | "maxReporters" | "maxCreditEntries">;

export class ResponseCredit {
  /** In least recently seen order: a reporter is moved to the end whenever a report of it is taken. */
  private readonly reporters = new Map<bigint, ReporterCredit>();
  private entryCount = 0;
  /** Counts made before this (controller clock) may have gone where this process cannot see them. */
  private vouchedSinceMs: number;

  constructor(private readonly options: CreditOptions, startedAtMs: number) {
    this.vouchedSinceMs = startedAtMs + options.takeoverGraceMs;
  }

  get reporterCount(): number {
    return this.reporters.size;
  }

  /** (reporter, version, pair) counts held, all reporters together. */
  get size(): number {
    return this.entryCount;
  }

  /** Whether the entries' responses are backed; the first unbacked one refuses the report when the controller vouches. */
  check(reporter: bigint, window: CreditWindow, entries: readonly CreditEntry[], nowMs: number): CreditCheck {
    this.expire(nowMs);
    const state = this.reporters.get(reporter);
    const vouched = state !== undefined ? state.complete && !overlaps(state, window) : this.vouchesFor(window.windowStartMs);
    const unbacked: number[] = [];
    for (const e of entries) {
      const available = e.requests + (state?.outstanding.get(e.version)?.get(e.pair) ?? 0);
      if (e.responses <= available) continue;
      if (vouched) return { refused: { index: e.index, available } };
      unbacked.push(e.index);
    }
    return { unbacked };
  }

  /** Takes the entries of an accepted report in, and forgets this reporter's tables that are no longer kept. */
  commit(reporter: bigint, window: CreditWindow, entries: readonly CreditEntry[], nowMs: number, isKnown: (v: bigint) => boolean): void {
    let state = this.reporters.get(reporter);
    if (state !== undefined) {
      this.reporters.delete(reporter);
      if (overlaps(state, window)) state.complete = false;
    } else {
      state = { touchedMs: nowMs, lastEndMs: 0, complete: this.vouchesFor(window.windowStartMs), size: 0, outstanding: new Map() };
    }
    state.touchedMs = nowMs;
    state.lastEndMs = Math.max(state.lastEndMs, window.windowEndMs);
    for (const e of entries) {
      let byPair = state.outstanding.get(e.version);
      const before = byPair?.get(e.pair) ?? 0;
      const after = Math.max(0, before + e.requests - e.responses);
      if (after > 0) {
        if (byPair === undefined) state.outstanding.set(e.version, (byPair = new Map()));
        if (before === 0) this.resize(state, 1);
        byPair.set(e.pair, after);
      } else if (before > 0) {
        byPair!.delete(e.pair);
        this.resize(state, -1);
        if (byPair!.size === 0) state.outstanding.delete(e.version);
      }
    }
    for (const [version, byPair] of state.outstanding) {
      if (isKnown(version)) continue;
      this.resize(state, -byPair.size);
      state.outstanding.delete(version);
    }
    this.reporters.set(reporter, state);
    this.evictOverCapacity();
  }

  /** A report of this reporter was refused: the filter drops its counts, so what follows may answer requests never seen. */
  lost(reporter: bigint): void {
    const state = this.reporters.get(reporter);
    if (state !== undefined) state.complete = false;
  }

  private vouchesFor(windowStartMs: number): boolean {
    return windowStartMs > this.vouchedSinceMs + this.options.maxClockSkewMs;
  }

  private resize(state: ReporterCredit, delta: number): void {
    state.size += delta;
    this.entryCount += delta;
  }

  private expire(nowMs: number): void {
    for (const [reporter, state] of this.reporters) {
      if (state.touchedMs > nowMs - this.options.creditTtlMs) break;
      this.drop(reporter, state);
    }
  }

  private evictOverCapacity(): void {
    for (const [reporter, state] of this.reporters) {
      if (this.reporters.size <= this.options.maxReporters && this.entryCount <= this.options.maxCreditEntries) break;
      this.drop(reporter, state);
    }
  }

  private drop(reporter: bigint, state: ReporterCredit): void {
    this.reporters.delete(reporter);
    this.entryCount -= state.size;
    // Whatever this reporter sends next may answer requests that were only in the dropped state.
    this.vouchedSinceMs = Math.max(this.vouchedSinceMs, state.touchedMs);
  }
}

/** The window starts before the end of one already taken: it may carry counts taken before. */
function overlaps(state: ReporterCredit, window: CreditWindow): boolean {
  return window.windowStartMs < state.lastEndMs;
}
