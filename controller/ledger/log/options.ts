// Log options: start from the exported defaults, validated once when the log opens; an error names
// the option at fault.
import { ControllerError } from "../../errors/controller-error.js";
import type { LogKeys } from "../checkpoint/key-store.js";
import type { LogStorage } from "../storage/storage.js";

/** Records per integration; one checkpoint (one ML-DSA-44 signature) is paid per batch. */
export const DEFAULT_MAX_BATCH_RECORDS = 256;
/** How long the first record of a batch waits for company before the batch is integrated. */
export const DEFAULT_MAX_BATCH_AGE_MS = 250;
/** Records waiting beyond this are refused (503 + Retry-After) rather than queued without bound. */
export const DEFAULT_MAX_PENDING_RECORDS = 16_384;

export interface LogOptions {
  readonly origin: string;
  readonly keys: LogKeys;
  readonly storage: LogStorage;
  readonly maxBatchRecords?: number;
  readonly maxBatchAgeMs?: number;
  readonly maxPendingRecords?: number;
  /** POSIX seconds for checkpoint cosignatures; a parameter so tests control time. */
  readonly nowSeconds?: () => number;
}

export type ResolvedLogOptions = Required<LogOptions>;

export function resolveLogOptions(options: LogOptions): ResolvedLogOptions {
  const resolved: ResolvedLogOptions = {
    maxBatchRecords: DEFAULT_MAX_BATCH_RECORDS,
    maxBatchAgeMs: DEFAULT_MAX_BATCH_AGE_MS,
    maxPendingRecords: DEFAULT_MAX_PENDING_RECORDS,
    nowSeconds: () => Math.floor(Date.now() / 1000),
    ...stripUndefined(options),
  };
  if (typeof resolved.origin !== "string" || resolved.origin === "") throw ControllerError.invalid("origin", "must be a non-empty string");
  positiveInteger("maxBatchRecords", resolved.maxBatchRecords);
  if (!Number.isFinite(resolved.maxBatchAgeMs) || resolved.maxBatchAgeMs < 0) {
    throw ControllerError.invalid("maxBatchAgeMs", `must be a finite number ≥ 0, got ${resolved.maxBatchAgeMs}`);
  }
  positiveInteger("maxPendingRecords", resolved.maxPendingRecords);
  if (resolved.maxPendingRecords < resolved.maxBatchRecords) {
    throw ControllerError.invalid("maxPendingRecords", `must be at least maxBatchRecords (${resolved.maxBatchRecords})`);
  }
  return resolved;
}

function positiveInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw ControllerError.invalid(field, `must be a positive integer, got ${value}`);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
