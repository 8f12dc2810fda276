// What every kind of Prometheus source shares: the reading fields it can fill, the fixed list of
// scrape outcomes (metric label values, never free text) and the result of one scrape.
import type { SourceField } from "../../config/load.js";

export type { SourceField };

/** Every outcome a scrape can have; the metric's label values come from this list only. */
export const SCRAPE_OUTCOMES = [
  "ok", // values read and, where they are energy readings, applied
  "unreachable", // connection refused, DNS, reset
  "timeout", // no complete answer within timeout_ms
  "cancelled", // the source stopped mid-scrape
  "http_error", // a status other than 200
  "bad_response", // not parseable: exposition syntax, JSON shape, API error, too large
  "missing", // a configured metric or query has no sample
  "ambiguous", // a query returned several samples where one was expected
  "invalid", // NaN, ±Inf, negative or out-of-range value, refused by the readings parser
] as const;

export type ScrapeOutcome = (typeof SCRAPE_OUTCOMES)[number];

export interface ScrapeFailure {
  outcome: Exclude<ScrapeOutcome, "ok">;
  /** The reading field at fault, when the failure is about one. */
  field?: SourceField;
  reason: string;
}

/** Raw values per field, before `scale`; units as documented in sources/README.md. */
export type FieldValues = Partial<Record<SourceField, number>>;

export type ScrapeResult = { values: FieldValues; failure?: undefined } | { failure: ScrapeFailure; values?: undefined };

/** One kind of source: turns a target into field values, or says why it could not. */
export interface Scraper {
  scrape(signal: AbortSignal, nowMs: number): Promise<ScrapeResult>;
}

export function failure(outcome: ScrapeFailure["outcome"], reason: string, field?: SourceField): { failure: ScrapeFailure } {
  return { failure: field === undefined ? { outcome, reason } : { outcome, reason, field } };
}

/** Classifies a thrown fetch/stream error by what aborted it, if anything did. */
export function transportFailure(error: unknown, signal: AbortSignal): { failure: ScrapeFailure } {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === "TimeoutError" ? failure("timeout", "no complete answer in time") : failure("cancelled", "source stopped");
  }
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  return failure("unreachable", e.cause?.message ?? e.message ?? String(error));
}
