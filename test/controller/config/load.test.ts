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
      planning: { intervalMs: 5_000, headroom: 0.2 },
      auth: { readerTokensFile: null, writerTokensFile: null },
      sites: [{ name: "a", batteryWh: 0, gridCarbon: 400 }],
      services: [{ key: "api.example.com", demandRps: 100, upstreams: { a: "site-a" } }],
    });
  });

  const bad: Array<[string, string, RegExp]> = [
    ["not YAML", "sites: [", /not valid YAML/],
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
  ];
  it("does not echo a leftover inline token in its refusal", () => {
    const { error } = parseConfig(`token: leftover-secret-0123456789\n${minimal}`);
    expect(error?.field).toBe("token");
    expect(error?.message).not.toContain("leftover-secret");
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
});
