// Timestamps as readings carry them: Unix milliseconds as an integer (JSON number, protobuf
// int64) or an ISO 8601 time with an explicit offset. Anything else gets one readable message
// instead of a schema library's generic "invalid input".
import { z } from "zod";

export const TIMESTAMP_EXPECTED = "expected Unix milliseconds as an integer or an ISO 8601 time with offset";

/** 2000-01-01T00:00:00Z: nothing older is a reading of this system, and it keeps typos out. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
/** 2200-01-01T00:00:00Z: far enough for any forecast, small enough to stay exact as a double. */
export const MAX_TIMESTAMP_MS = Date.UTC(2200, 0, 1);

const iso = z.iso.datetime({ offset: true });

/** Milliseconds, or why the value is not a timestamp (the message says what was expected). */
export function toTimestampMs(value: unknown): { ms: number } | { problem: string } {
  if (value === undefined) return { problem: `required; ${TIMESTAMP_EXPECTED}` };
  let ms: number;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return { problem: `${TIMESTAMP_EXPECTED}, got ${value}` };
    ms = value;
  } else if (typeof value === "string") {
    ms = iso.safeParse(value).success ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) return { problem: `${TIMESTAMP_EXPECTED}, got ${quote(value)}` };
  } else {
    return { problem: `${TIMESTAMP_EXPECTED}, got ${value === null ? "null" : typeof value}` };
  }
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) {
    return { problem: `expected a time from 2000-01-01 to 2200-01-01, got ${value}` };
  }
  return { ms };
}

/** A zod field that yields milliseconds, with the readable message on any other input. */
export const timestampField = z.unknown().transform((value, ctx) => {
  const t = toTimestampMs(value);
  if ("problem" in t) {
    ctx.addIssue({ code: "custom", message: t.problem });
    return z.NEVER;
  }
  return t.ms;
});

// Never echo an unbounded client string into an error (or the log line that carries it).
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
