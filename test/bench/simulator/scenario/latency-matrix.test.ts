import { describe, expect, it } from "vitest";
import { parseLatencyMatrix } from "../../../../bench/simulator/scenario/latency-matrix.js";

// The shape of the GCP matrix, with its real quirk: one name twice, as a row and as a column.
const text = "origin,DE,GB,PJM,PJM\nDE,5,13,90,91\nGB,13,5,80,81\nPJM,90,80,5,8\nPJM,91,81,8,5\nXX,1,,2,3\n";
const m = parseLatencyMatrix("lat.csv", text, "origin");

describe("latency matrix", () => {
  it("reads the round trip from a row (origin) to a column (destination)", () => {
    expect(m.latencyMs("GB", "DE")).toBe(13);
    expect(m.latencyMs("DE", "DE")).toBe(5);
  });

  it("refuses names that are missing or ambiguous, and cells that are not latencies", () => {
    expect(() => m.latencyMs("FR", "DE")).toThrow('lat.csv: no row "FR" in column "origin"');
    expect(() => m.latencyMs("DE", "FR")).toThrow('lat.csv:1: no column "FR"');
    expect(() => m.latencyMs("DE", "PJM")).toThrow('lat.csv:1: column "PJM" is ambiguous: columns 4 and 5');
    expect(() => m.latencyMs("PJM", "DE")).toThrow('lat.csv: row "PJM" is ambiguous: lines 4 and 5');
    expect(() => m.latencyMs("XX", "GB")).toThrow('lat.csv:6:3 (column "GB"): expected a latency in ms, got ""');
    expect(() => parseLatencyMatrix("lat.csv", text, "from")).toThrow('lat.csv:1: no column "from"');
  });
});
