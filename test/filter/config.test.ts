// Plugin configuration: read once at configure time; anything wrong refuses the configuration
// with one log line that names the field and what it expects.
import { describe, expect, it } from "vitest";
import { base64Table, requestHeaders, startFilter, table, upstreams, expectRefused } from "./filter-host.js";


describe("plugin configuration", () => {
  it("starts with defaults from an empty configuration", async () => {
    for (const config of ["", "{}", "  \n"]) {
      const f = await startFilter(config);
      expect(f.configured, JSON.stringify(config)).toBe(true);
      expect(f.host.tickPeriod(f.rootId)).toBe(200);
      expect(f.host.findLogs(/invalid/)).toEqual([]);
    }
  });

  it("applies every field", async () => {
    const t = base64Table(table([{ key: "svc", upstreams: upstreams({ a: 1 }) }]));
    const f = await startFilter({
      upstream_header: "x-site", service_header: "x-service", sticky_header: "x-user", static_table: t,
      shared_data_key: "k", tick_ms: 250, enforce_ttl: false, ttl_grace_ms: 5, shadow: false, strip_inbound_header: false,
    });
    expect(f.configured).toBe(true);
    expect(f.host.tickPeriod(f.rootId)).toBe(250);
    const result = f.host.httpRequest(f.rootId, { requestHeaders: Object.entries(requestHeaders("other", { "x-service": "svc" })) });
    expect(result.requestHeaders).toContainEqual(["x-site", "a"]);
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ["not JSON", "{", /field '\(root\)': expected valid JSON/],
    ["not an object", "[]", /field '\(root\)': expected a JSON object/],
    ["unknown field", { upstream: "x" }, /field 'upstream': expected no such field \(known: upstream_header/],
    ["duplicate field", '{"tick_ms": 100, "tick_ms": 200}', /duplicate field 'tick_ms'/],
    ["upper-case header", { upstream_header: "X-Site" }, /field 'upstream_header': expected a lower-case HTTP header name, got "X-Site"/],
    ["empty header", { upstream_header: "" }, /field 'upstream_header'/],
    ["header with space", { sticky_header: "x user" }, /field 'sticky_header'/],
    ["pseudo-header other than :authority", { service_header: ":path" }, /field 'service_header'/],
    ["number as header", { service_header: 5 }, /field 'service_header': .*got 5/],
    ["tick too small", { tick_ms: 5 }, /field 'tick_ms': expected an integer from 50 to 60000, got 5/],
    ["tick fractional", { tick_ms: 100.5 }, /field 'tick_ms'/],
    ["tick as string", { tick_ms: "100" }, /field 'tick_ms'.*got "100"/],
    ["negative grace", { ttl_grace_ms: -1 }, /field 'ttl_grace_ms'/],
    ["bool as string", { enforce_ttl: "yes" }, /field 'enforce_ttl': expected true or false/],
    ["shadow null", { shadow: null }, /field 'shadow'.*got null/],
    ["table not base64", { static_table: "not base64!" }, /field 'static_table': expected a weight table in standard base64/],
    ["table empty", { static_table: "" }, /field 'static_table'/],
    ["empty shared key", { shared_data_key: "" }, /field 'shared_data_key'/],
    ["sticky same as upstream", { sticky_header: "x-solar-upstream" }, /field 'sticky_header': expected a header other than upstream_header/],
  ];
  for (const [name, config, message] of refused) {
    it(`refuses ${name}, with one error line naming the field`, () => expectRefused(typeof config === "string" ? config : JSON.stringify(config), message));
  }

  it("accepts a corrupt static table but rejects the table, and fails open", async () => {
    const bytes = Buffer.from(base64Table(table([{ key: "svc", upstreams: upstreams({ a: 1 }) }])), "base64");
    bytes[bytes.length - 1]! ^= 1;
    const f = await startFilter({ static_table: bytes.toString("base64") });
    expect(f.configured).toBe(true);
    expect(f.metric("table.rejected.bad_checksum")).toBe(1);
    expect(f.host.findLogs(/rejected weight table from static_table: bad_checksum; no table in use/)).toHaveLength(1);
    expect(f.route(requestHeaders("svc"))).toBeNull();
  });
});
