// Log options: start from the exported defaults, validated once when the log opens; an error names
// the option at fault.
import type { Registry } from "prom-client";
import { ControllerError } from "../../errors/controller-error.js";
import type { LogKeys } from "../checkpoint/key-store.js";
import type { LogStorage } from "../storage/storage.js";

/** Records per integration; one checkpoint (one ML-DSA-44 signature) is paid per batch. */
export const DEFAULT_MAX_BATCH_RECORDS = 256;
/** How long the first record of a batch waits for company before the batch is integrated. */
export const DEFAULT_MAX_BATCH_AGE_MS = 250;
/** Records waiting beyond this are refused (503 + Retry-After) rather than queued without bound. */
export const DEFAULT_MAX_PENDING_RECORDS = 16_384;
/** First wait before a failed integration is tried again; it doubles with each failure… */
export const DEFAULT_RETRY_MIN_MS = 100;
/** …up to this. */
export const DEFAULT_RETRY_MAX_MS = 10_000;
/**
 * How long a partial tile or bundle stays after a wider one replaced it, so a reader that fetched
 * an older checkpoint can still read what that checkpoint names.
 */
export const DEFAULT_PARTIAL_GRACE_MS = 60_000;
/** How long flush() and close() wait for waiting records to become durable. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

/** Something an operator should know that does not stop the log (a clock stepped back, a failed cleanup). */
export type LogWarning = (message: string, details: Readonly<Record<string, unknown>>) => void;

export interface LogOptions {
  readonly origin: string;
  readonly keys: LogKeys;
  readonly storage: LogStorage;
  readonly maxBatchRecords?: number;
  readonly maxBatchAgeMs?: number;
  readonly maxPendingRecords?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly partialGraceMs?: number;
  readonly flushTimeoutMs?: number;
  /** Registry for the log's metrics (the controller's); none when omitted. */
  readonly registry?: Registry;
  readonly onWarning?: LogWarning;
  /** Wall-clock POSIX seconds for checkpoint cosignatures; a parameter so tests control time. */
  readonly nowSeconds?: () => number;
  /** A monotonic clock in milliseconds: carries signing time across wall-clock steps, times the grace. */
  readonly monotonicMs?: () => number;
  /** Uniform in [0, 1): the jitter that keeps retries of several logs apart. */
  readonly random?: () => number;
}

export type ResolvedLogOptions = Required<Omit<LogOptions, "registry">> & { readonly registry?: Registry };

export function resolveLogOptions(options: LogOptions): ResolvedLogOptions {
  const resolved: ResolvedLogOptions = {
    maxBatchRecords: DEFAULT_MAX_BATCH_RECORDS,
    maxBatchAgeMs: DEFAULT_MAX_BATCH_AGE_MS,
    maxPendingRecords: DEFAULT_MAX_PENDING_RECORDS,
    retryMinMs: DEFAULT_RETRY_MIN_MS,
    retryMaxMs: DEFAULT_RETRY_MAX_MS,
    partialGraceMs: DEFAULT_PARTIAL_GRACE_MS,
    flushTimeoutMs: DEFAULT_FLUSH_TIMEOUT_MS,
    onWarning: () => undefined,
    nowSeconds: () => Math.floor(Date.now() / 1000),
    monotonicMs: () => performance.now(),
    random: Math.random,
    ...stripUndefined(options),
  };
  if (typeof resolved.origin !== "string" || resolved.origin === "") throw ControllerError.invalid("origin", "must be a non-empty string");
  positiveInteger("maxBatchRecords", resolved.maxBatchRecords);
  nonNegative("maxBatchAgeMs", resolved.maxBatchAgeMs);
  positiveInteger("maxPendingRecords", resolved.maxPendingRecords);
  if (resolved.maxPendingRecords < resolved.maxBatchRecords) {
    throw ControllerError.invalid("maxPendingRecords", `must be at least maxBatchRecords (${resolved.maxBatchRecords})`);
  }
  positive("retryMinMs", resolved.retryMinMs);
  positive("retryMaxMs", resolved.retryMaxMs);
  if (resolved.retryMaxMs < resolved.retryMinMs) throw ControllerError.invalid("retryMaxMs", `must be at least retryMinMs (${resolved.retryMinMs})`);
  nonNegative("partialGraceMs", resolved.partialGraceMs);
  positive("flushTimeoutMs", resolved.flushTimeoutMs);
  for (const name of ["onWarning", "nowSeconds", "monotonicMs", "random"] as const) {
    if (typeof resolved[name] !== "function") throw ControllerError.invalid(name, "must be a function");
  }
  return resolved;
}

function positiveInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw ControllerError.invalid(field, `must be a positive integer, got ${value}`);
}

function positive(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw ControllerError.invalid(field, `must be a finite number > 0, got ${value}`);
}

function nonNegative(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw ControllerError.invalid(field, `must be a finite number ≥ 0, got ${value}`);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
