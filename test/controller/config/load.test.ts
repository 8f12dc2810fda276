import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG_YAML } from "../../../controller/config/defaults.js";
import { loadConfig, parseConfig } from "../../../controller/config/load.js";

const minimal = `
sites:
  - { name: a, capacity_rps: 100, pv_peak_watts: 1000, watts_per_rps: 5, location: { lat: 1, lon: 2 } }
services:
  - { key: api.example.com, upstreams: { a: site-a } }
`;

describe("controller configuration", () => {
  it("runs on the embedded defaults", async () => {
    const config = await loadConfig(undefined);
    expect(config.sites.map((s) => s.name)).toEqual(["san-francisco", "berlin", "sydney"]);
    expect(config.listen.http).toBe("127.0.0.1:8080");
    expect(parseConfig(DEFAULT_CONFIG_YAML).error).toBeUndefined();
  });

  it("fills defaults for everything optional", () => {
    const { value } = parseConfig(minimal);
    expect(value).toMatchObject({
      listen: { http: "127.0.0.1:8080", grpc: "127.0.0.1:9090" },
      table: { ttlMs: 60_000, maxWaitMs: 30_000 },
      planning: { intervalMs: 5_000, headroom: 0.2, planner: "predictive", horizonSteps: 24, timeBudgetMs: 50 },
      auth: { readerTokensFile: null, writerTokensFile: null },
      sites: [{ name: "a", batteryWh: 0, gridCarbon: 400 }],
      services: [{ key: "api.example.com", demandRps: 100, upstreams: { a: "site-a" } }],
    });
  });

  const bad: Array<[string, string, RegExp]> = [
    ["not YAML", "sites: [", /^configuration: not valid YAML at line 1, column 9: bad indentation \(BAD_INDENT\)$/],
    ["no sites", "services: []", /^sites: /],
    ["negative capacity", minimal.replace("capacity_rps: 100", "capacity_rps: -1"), /^sites\.0\.capacity_rps: /],
    ["NaN-like value", minimal.replace("capacity_rps: 100", "capacity_rps: .nan"), /^sites\.0\.capacity_rps: /],
    ["bad site name", minimal.replace("name: a,", "name: A_1,"), /^sites\.0\.name: expected a DNS label/],
    ["latitude out of range", minimal.replace("lat: 1", "lat: 91"), /^sites\.0\.location\.lat: /],
    ["unknown field", minimal.replace("watts_per_rps: 5", "watts_per_rps: 5, wats: 1"), /^sites\.0: .*wats/],
    ["upper-case service key", minimal.replace("api.example.com", "API.example.com"), /^services\.0\.key: /],
    ["unknown site in service", minimal.replace("{ a: site-a }", "{ b: site-a }"), /^services\.0\.upstreams\.b: unknown site 'b'/],
    ["bad upstream name", minimal.replace("site-a }", "'site a' }"), /^services\.0\.upstreams\.a: /],
    ["bad listen address", `listen: { http: "8080" }\n${minimal}`, /^listen\.http: expected host:port/],
    ["a leftover inline token", `token: 0123456789abcdef0123\n${minimal}`,
      /^token: no longer supported: credentials come from auth\.reader_tokens_file \/ auth\.writer_tokens_file or SOLAR_READER_TOKENS \/ SOLAR_WRITER_TOKENS/],
    ["an inline token under auth", `auth: { writer_tokens: [0123456789abcdef0123] }\n${minimal}`, /^auth: .*writer_tokens/],
    ["an empty token file path", `auth: { reader_tokens_file: "" }\n${minimal}`, /^auth\.reader_tokens_file: /],
    ["an unknown planner", `planning: { planner: mpc }\n${minimal}`, /^planning\.planner: .*"predictive"\|"greedy"/],
    ["a horizon of 0 steps", `planning: { horizon_steps: 0 }\n${minimal}`, /^planning\.horizon_steps: .*>=1/],
    ["a fractional horizon", `planning: { horizon_steps: 12.5 }\n${minimal}`, /^planning\.horizon_steps: .*expected int/],
    ["a horizon over a day", `planning: { horizon_steps: 289 }\n${minimal}`, /^planning\.horizon_steps: .*<=288/],
    ["a time budget of 0", `planning: { time_budget_ms: 0 }\n${minimal}`, /^planning\.time_budget_ms: .*>=1/],
    ["a time budget as long as the interval", `planning: { interval_ms: 200, time_budget_ms: 200 }\n${minimal}`,
      /^planning\.time_budget_ms: expected less than planning\.interval_ms/],
    ["an unknown planning option", `planning: { horizon: 24 }\n${minimal}`, /^planning: .*horizon/],
  ];
  it("does not echo a leftover inline token in its refusal", () => {
    const { error } = parseConfig(`token: leftover-secret-0123456789\n${minimal}`);
    expect(error?.field).toBe("token");
    expect(error?.message).not.toContain("leftover-secret");
  });

  it("reads the planner, its horizon and its time budget", () => {
    const { value } = parseConfig(`planning: { interval_ms: 1000, planner: greedy, horizon_steps: 48, time_budget_ms: 999 }\n${minimal}`);
    expect(value?.planning).toEqual({ intervalMs: 1_000, headroom: 0.2, planner: "greedy", horizonSteps: 48, timeBudgetMs: 999 });
    expect(parseConfig(DEFAULT_CONFIG_YAML).value?.planning).toEqual({
      intervalMs: 2_000, headroom: 0.2, planner: "predictive", horizonSteps: 24, timeBudgetMs: 50,
    });
  });

  it("reads the token file paths of the auth section", () => {
    const { value } = parseConfig(`auth: { reader_tokens_file: /run/secrets/readers, writer_tokens_file: writers.txt }\n${minimal}`);
    expect(value?.auth).toEqual({ readerTokensFile: "/run/secrets/readers", writerTokensFile: "writers.txt" });
  });

  for (const [name, yaml, message] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      const { error } = parseConfig(yaml);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.message).toMatch(message);
    });
  }

  describe("YAML that does not parse", () => {
    const SECRET = "s3cr3t-0123456789abcdef";
    // Each puts the secret on the line at fault, where the YAML library's own message or code frame would quote it.
    const cases: Array<[string, string, string]> = [
      ["a bad escape", `${minimal}auth: { writer_tokens_file: "/run/${SECRET}\\q" }\n`,
        "at line 6, column 58: an invalid escape sequence in a double-quoted string (BAD_DQ_ESCAPE)"],
      ["bad indentation", `${minimal}ledger:\n  dir: /data\n origin: ${SECRET}\n`, "at line 8, column 1: bad indentation (BAD_INDENT)"],
      ["a duplicate key", `${minimal}ledger: { dir: ${SECRET}, dir: x }\n`, "at line 6, column 41: a key given twice in one mapping (DUPLICATE_KEY)"],
      ["a tab as indentation", `${minimal}ledger:\n\tdir: ${SECRET}\n`, "at line 7, column 1: a tab used as indentation (TAB_AS_INDENT)"],
      ["an unknown tag (a warning in the YAML library)", `${minimal}ledger: { dir: !${SECRET} x }\n`,
        "at line 6, column 16: an unknown tag (TAG_RESOLVE_FAILED)"],
    ];
    for (const [name, yaml, where] of cases) {
      it(`names the line and column of ${name}, not the text`, () => {
        const { error } = parseConfig(yaml);
        expect(error?.code).toBe("invalid_argument");
        expect(error?.field).toBe("configuration");
        expect(error?.message).toBe(`configuration: not valid YAML ${where}`);
      });
    }

    it("refuses an alias to no anchor without naming the alias", () => {
      const { error } = parseConfig(`${minimal}ledger: { dir: *${SECRET} }\n`);
      expect(error?.message).toBe("configuration: not valid YAML: an alias that names no anchor before it, or too many alias expansions");
    });

    it("prints nothing of its own for a YAML warning", async () => {
      const warnings: unknown[] = [];
      const listener = (w: unknown) => warnings.push(w);
      process.on("warning", listener);
      try {
        expect(parseConfig(`${minimal}ledger: { dir: !${SECRET} x }\n`).error).toBeDefined();
        // process.emitWarning delivers on a later tick.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off("warning", listener);
      }
      expect(warnings).toEqual([]);
    });

    it("names the file once when loading one", async () => {
      const dir = mkdtempSync(join(tmpdir(), "solar-config-"));
      try {
        const path = join(dir, "controller.yaml");
        writeFileSync(path, `${minimal}ledger:\n  dir: /data\n origin: ${SECRET}\n`);
        const refused = await loadConfig(path).then(() => null, (e: Error) => e);
        expect(refused?.message).toBe(`${path}: not valid YAML at line 8, column 1: bad indentation (BAD_INDENT)`);
        writeFileSync(path, minimal.replace("capacity_rps: 100", "capacity_rps: -1"));
        const invalid = await loadConfig(path).then(() => null, (e: Error) => e);
        expect(invalid?.message).toMatch(new RegExp(`^${path.replaceAll(".", "\\.")}: sites\\.0\\.capacity_rps: `));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
