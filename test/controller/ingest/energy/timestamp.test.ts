import { describe, expect, it } from "vitest";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, TIMESTAMP_EXPECTED, toTimestampMs } from "../../../../controller/ingest/energy/timestamp.js";

const NOW = Date.UTC(2026, 5, 21, 12);

describe("toTimestampMs", () => {
  it("takes integer milliseconds and ISO 8601 times with an offset", () => {
    expect(toTimestampMs(NOW)).toEqual({ ms: NOW });
    expect(toTimestampMs("2026-06-21T12:00:00Z")).toEqual({ ms: NOW });
    expect(toTimestampMs("2026-06-21T14:00:00.000+02:00")).toEqual({ ms: NOW });
    expect(toTimestampMs(MIN_TIMESTAMP_MS)).toEqual({ ms: MIN_TIMESTAMP_MS });
    expect(toTimestampMs(MAX_TIMESTAMP_MS)).toEqual({ ms: MAX_TIMESTAMP_MS });
  });

  const refused: Array<[string, unknown, string]> = [
    ["nothing", undefined, `required; ${TIMESTAMP_EXPECTED}`],
    ["a fraction", 1.5, `${TIMESTAMP_EXPECTED}, got 1.5`],
    ["NaN", Number.NaN, `${TIMESTAMP_EXPECTED}, got NaN`],
    ["null", null, `${TIMESTAMP_EXPECTED}, got null`],
    ["a boolean", true, `${TIMESTAMP_EXPECTED}, got boolean`],
    ["a time without offset", "2026-06-21T12:00:00", `${TIMESTAMP_EXPECTED}, got "2026-06-21T12:00:00"`],
    ["a date alone", "2026-06-21", `${TIMESTAMP_EXPECTED}, got "2026-06-21"`],
    ["a long string, shortened", "x".repeat(10_000), `${TIMESTAMP_EXPECTED}, got "${"x".repeat(40)}…"`],
    ["seconds instead of milliseconds", NOW / 1000, `expected a time from 2000-01-01 to 2200-01-01, got ${NOW / 1000}`],
    ["a negative number", -1, "expected a time from 2000-01-01 to 2200-01-01, got -1"],
    ["the year 2200 and a millisecond", MAX_TIMESTAMP_MS + 1, `expected a time from 2000-01-01 to 2200-01-01, got ${MAX_TIMESTAMP_MS + 1}`],
    ["a huge int64", Number("9223372036854775807"), "expected a time from 2000-01-01 to 2200-01-01, got 9223372036854776000"],
  ];
  for (const [name, value, problem] of refused) {
    it(`refuses ${name} with a readable message`, () => {
      expect(toTimestampMs(value)).toEqual({ problem });
    });
  }
});
