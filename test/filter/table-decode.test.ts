// The filter's table decoder, through the compiled Wasm: it reads the same golden vectors as the
// TypeScript decoder, and on 100,000 random and mutated inputs it never traps and agrees with
// the TypeScript decoder on every verdict and reason.
import { describe, expect, it } from "vitest";
import { decodeTable } from "../../controller/table/decode.js";
import { REJECT_REASONS } from "../../controller/table/format.js";
import { loadTableVectors } from "../support/table-vectors.js";
import { fuzzInput, prng } from "../support/table-mutations.js";
import { requestHeaders, startFilter } from "./filter-host.js";

const LOG_ERROR = 4;
const FUZZ_INPUTS = 100_000;
const U64_MAX = (1n << 64n) - 1n;

describe("golden vectors through the filter", () => {
  for (const vector of loadTableVectors()) {
    it(`${vector.expect === "accept" ? "accepts" : `rejects (${vector.reason})`} ${vector.file}`, async () => {
      const f = await startFilter({ enforce_ttl: false });
      f.publish(vector.bytes);
      if (vector.expect === "reject") {
        expect(f.metric(`table.rejected.${vector.reason}`)).toBe(1);
        expect(f.metric("table.loaded")).toBe(0);
        return;
      }
      expect(f.metric("table.loaded")).toBe(1);
      expect(f.metric("table.version")).toBe(Number(vector.table.version));
      for (const service of vector.table.services) {
        const canary = vector.table.canaryBp !== null;
        const eligible = service.upstreams
          .filter((u) => !u.draining && (u.weight > 0 || (canary && u.canaryWeight > 0)))
          .map((u) => u.name);
        const chosen = new Set([...f.routeMany(requestHeaders(service.key), 200).keys()]);
        if (eligible.length === 0) expect([...chosen]).toEqual([""]);
        else for (const name of chosen) expect(eligible).toContain(name);
      }
    });
  }
});

describe("decoder fuzzing", () => {
  it(`never traps, and agrees with the TypeScript decoder on ${FUZZ_INPUTS.toLocaleString("en")} inputs`, async () => {
    const f = await startFilter({ enforce_ttl: false });
    f.host.logLevel = LOG_ERROR; // one warning per rejected table: not worth keeping 100k of them
    const rand = prng(20261125);
    const counts = { loaded: 0, stale: 0, rejected: new Map<string, number>() };
    let current = 0n;
    const mismatches: string[] = [];
    for (let i = 0; i < FUZZ_INPUTS && mismatches.length < 5; i++) {
      // Versions at, one and two past the current one: stale and newer tables both turn up.
      const version = current + BigInt(rand(3));
      const input = fuzzInput(rand, version < 1n ? 1n : version > U64_MAX ? U64_MAX : version);
      const expected = decodeTable(input);
      f.publish(input); // a trap would throw here, naming the callback
      let outcome: string;
      if (expected.error) {
        outcome = `rejected.${expected.error.reason}`;
        counts.rejected.set(expected.error.reason, (counts.rejected.get(expected.error.reason) ?? 0) + 1);
      } else if (expected.value.version > current) {
        outcome = "loaded";
        counts.loaded++;
        current = expected.value.version;
      } else {
        outcome = "ignored_stale";
        counts.stale++;
      }
      const observed = {
        loaded: f.metric("table.loaded"),
        stale: f.metric("table.ignored_stale"),
        rejected: f.metric(`table.${outcome}`),
      };
      const want = outcome.startsWith("rejected.") ? counts.rejected.get(outcome.slice(9)) : outcome === "loaded" ? counts.loaded : counts.stale;
      const got = outcome.startsWith("rejected.") ? observed.rejected : outcome === "loaded" ? observed.loaded : observed.stale;
      if (got !== want) mismatches.push(`input ${i} (${Buffer.from(input).toString("hex").slice(0, 120)}…): expected ${outcome}`);
    }
    expect(mismatches).toEqual([]);
    expect(f.host.failure).toBeNull();
    // Every path was exercised: acceptance, staleness, and every reason a mutation can reach.
    console.log(`fuzz: ${counts.loaded} loaded, ${counts.stale} stale, rejected ${JSON.stringify(Object.fromEntries(counts.rejected))}`);
    expect(counts.loaded).toBeGreaterThan(1_000);
    expect(counts.stale).toBeGreaterThan(1_000);
    const reachable = REJECT_REASONS.filter((r) => r !== "too_large");
    for (const reason of reachable) expect(counts.rejected.get(reason) ?? 0, reason).toBeGreaterThan(0);
    // Rejected tables leave nothing behind: the VM's memory stays small.
    expect(f.host.memoryBytes()).toBeLessThan(8 * 1024 * 1024);
  });
});
