// Times and durations as a scenario writes them: ISO UTC instants ("2022-06-08 00:05:00",
// "2022-06-08T00:05:00Z"), durations ("5m", "-365d", "1h30m") and offsets from the start ("+36h").

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
const DURATION = /^([+-]?)((?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+)$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * An ISO 8601 instant, ms since the epoch. Without a zone it is UTC (the traces are UTC); an
 * explicit offset is honoured. Undefined for anything else, including impossible dates.
 */
export function parseIsoUtc(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone = "Z"] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second) + (frac === "" ? 0 : Math.round(Number(frac) * 1000));
  // Date.UTC rolls 31 June over to 1 July: refuse it instead.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 3_600_000 + Number(zone.slice(4, 6)) * 60_000);
  }
  return ms;
}

/** A duration such as "5m", "-365d", "2981d1m", "+36h", in ms; undefined when not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  let ms = 0;
  for (const part of m[2]!.matchAll(DURATION_PART)) ms += Number(part[1]) * UNIT_MS[part[2]!]!;
  return m[1] === "-" ? -ms : ms;
}

/** A time in the scenario: an ISO instant, or an offset from the start written "+36h". */
export function parseScenarioTime(text: string, startMs: number): number | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("+")) {
    const offset = parseDuration(trimmed);
    return offset === undefined ? undefined : startMs + offset;
  }
  return parseIsoUtc(trimmed);
}

/** "2022-06-08 00:05:00" for messages. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.000Z$/, "").replace(/Z$/, "");
}
