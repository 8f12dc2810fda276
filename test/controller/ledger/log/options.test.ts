import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_BATCH_AGE_MS,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_MAX_PENDING_RECORDS,
  DEFAULT_PARTIAL_GRACE_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_RETRY_MIN_MS,
  resolveLogOptions,
} from "../../../../controller/ledger/log/options.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { ORIGIN, keys } from "../checkpoint/fixed-keys.js";

const base = { origin: ORIGIN, keys, storage: new PosixStorage("/nonexistent") };

describe("resolveLogOptions", () => {
  it("starts from the exported defaults", () => {
    const o = resolveLogOptions(base);
    expect(o.maxBatchRecords).toBe(DEFAULT_MAX_BATCH_RECORDS);
    expect(o.maxBatchAgeMs).toBe(DEFAULT_MAX_BATCH_AGE_MS);
    expect(o.maxPendingRecords).toBe(DEFAULT_MAX_PENDING_RECORDS);
    expect(DEFAULT_MAX_BATCH_RECORDS).toBe(256);
    expect(DEFAULT_MAX_BATCH_AGE_MS).toBe(250);
    expect(Number.isSafeInteger(o.nowSeconds())).toBe(true);
    expect([o.retryMinMs, o.retryMaxMs, o.partialGraceMs]).toEqual([DEFAULT_RETRY_MIN_MS, DEFAULT_RETRY_MAX_MS, DEFAULT_PARTIAL_GRACE_MS]);
    expect([DEFAULT_RETRY_MIN_MS, DEFAULT_RETRY_MAX_MS]).toEqual([100, 10_000]);
  });

  it("keeps defaults for options passed as undefined", () => {
    expect(resolveLogOptions({ ...base, maxBatchRecords: undefined }).maxBatchRecords).toBe(DEFAULT_MAX_BATCH_RECORDS);
  });

  it.each([
    [{ maxBatchRecords: 0 }, "maxBatchRecords"],
    [{ maxBatchRecords: 1.5 }, "maxBatchRecords"],
    [{ maxBatchAgeMs: -1 }, "maxBatchAgeMs"],
    [{ maxBatchAgeMs: Number.NaN }, "maxBatchAgeMs"],
    [{ maxPendingRecords: 0 }, "maxPendingRecords"],
    [{ maxBatchRecords: 100, maxPendingRecords: 50 }, "maxPendingRecords"],
    [{ origin: "" }, "origin"],
    [{ retryMinMs: 0 }, "retryMinMs"],
    [{ retryMinMs: 500, retryMaxMs: 100 }, "retryMaxMs"],
    [{ partialGraceMs: -1 }, "partialGraceMs"],
    [{ flushTimeoutMs: Number.POSITIVE_INFINITY }, "flushTimeoutMs"],
    [{ monotonicMs: 5 as unknown as () => number }, "monotonicMs"],
  ])("refuses %o naming %s", (bad, field) => {
    expect(() => resolveLogOptions({ ...base, ...bad })).toThrow(expect.objectContaining({ field, message: expect.stringContaining(field) }));
  });
});
