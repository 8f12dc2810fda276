// The report intake budget: a token bucket in body bytes. A report is let in while the bucket
// holds at least the minimum charge, and its real size is charged once its body is read (the
// bucket may go below zero; later reports wait until it refills). Bytes, not requests, because
// reports range from 44 bytes to 1 MiB and what they cost (reading, checksum, decoding, folding)
// grows with their size. Time is a parameter.
import type { ReportOptions } from "./report-options.js";

type BudgetOptions = Pick<ReportOptions, "budgetBytesPerSecond" | "budgetBurstBytes" | "minChargeBytes">;

export type Admission = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

export class ReportBudget {
  private tokens: number;
  private lastMs: number;

  constructor(private readonly options: BudgetOptions, nowMs: number) {
    this.tokens = options.budgetBurstBytes;
    this.lastMs = nowMs;
  }

  /** Bytes the bucket holds now (negative while paying off a large report). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Whether a report may come in now; if not, after how many seconds the bucket will let one in. */
  admit(nowMs: number): Admission {
    this.refill(nowMs);
    const missing = this.options.minChargeBytes - this.tokens;
    if (missing <= 0) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / this.options.budgetBytesPerSecond)) };
  }

  /** Charges a report that was let in, by its body size (at least the minimum charge). */
  charge(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= Math.max(this.options.minChargeBytes, bytes);
  }

  private refill(nowMs: number): void {
    // A clock that steps back refills nothing.
    const elapsedMs = Math.max(0, nowMs - this.lastMs);
    this.lastMs = Math.max(this.lastMs, nowMs);
    this.tokens = Math.min(this.options.budgetBurstBytes, this.tokens + (elapsedMs * this.options.budgetBytesPerSecond) / 1000);
  }
}
