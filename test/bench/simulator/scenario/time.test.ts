import { describe, expect, it } from "vitest";
import { parseDuration, parseIsoUtc, parseScenarioTime } from "../../../../bench/simulator/scenario/time.js";

describe("times and durations", () => {
  it("reads ISO UTC with a space or T, with or without Z or seconds, and offsets", () => {
    const t = Date.UTC(2022, 5, 8, 0, 5);
    expect(parseIsoUtc("2022-06-08 00:05:00")).toBe(t);
    expect(parseIsoUtc("2022-06-08T00:05:00Z")).toBe(t);
    expect(parseIsoUtc("2022-06-08T00:05")).toBe(t);
    expect(parseIsoUtc("2022-06-08T02:05:00+02:00")).toBe(t);
    expect(parseIsoUtc("2022-06-08T00:05:00.250Z")).toBe(t + 250);
    for (const bad of ["2022-06-31 00:00:00", "2022-13-01 00:00", "2022-06-08", "8 June 2022", "2022-06-08 24:00:00"]) {
      expect(parseIsoUtc(bad)).toBeUndefined();
    }
  });

  it("reads durations and offsets from the start", () => {
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("-365d")).toBe(-365 * 86_400_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2981d1m")).toBe(2981 * 86_400_000 + 60_000);
    expect(parseDuration("-12h30m")).toBe(-45_000_000);
    expect(parseDuration("250ms")).toBe(250);
    for (const bad of ["5", "m", "5 m", "5w", "--5m", ""]) expect(parseDuration(bad)).toBeUndefined();
    const start = Date.UTC(2022, 5, 8);
    expect(parseScenarioTime("+36h", start)).toBe(start + 36 * 3_600_000);
    expect(parseScenarioTime("2022-06-09T12:00:00Z", start)).toBe(start + 36 * 3_600_000);
  });
});
