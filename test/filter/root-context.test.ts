// Table refresh in a root context: shared data on every tick (decoded only when the CAS moved),
// newer versions only, corrupt tables rejected with the last good one kept, TTLs enforced.
import { describe, expect, it } from "vitest";
import { encodeTable } from "../../controller/table/encode.js";
import { SHARED_KEY, base64Table, requestHeaders, startFilter, table, upstreams } from "./filter-host.js";

const v = (version: bigint, site: string, fields: Parameters<typeof table>[1] = {}) =>
  encodeTable(table([{ key: "api", upstreams: upstreams({ [site]: 1 }) }], { version, ...fields }));

describe("table refresh from shared data", () => {
  it("adopts a newer table on the next tick, and only then", async () => {
    const f = await startFilter({});
    expect(f.route(requestHeaders("api"))).toBeNull();
    f.host.sharedData.set(SHARED_KEY, v(1n, "a"));
    expect(f.route(requestHeaders("api"))).toBeNull();
    f.host.tick(f.rootId);
    expect(f.route(requestHeaders("api"))).toBe("a");
    f.publish(v(2n, "b"));
    expect(f.route(requestHeaders("api"))).toBe("b");
    expect(f.metric("table.loaded")).toBe(2);
    expect(f.metric("table.version")).toBe(2);
  });

  it("decodes only when the shared value's CAS changed", async () => {
    const f = await startFilter({}, { countHostCalls: true });
    f.publish(v(1n, "a"));
    const logs = f.host.logs.length;
    for (let i = 0; i < 50; i++) f.host.tick(f.rootId);
    // One read at configure, one for the publishing tick, one per tick after.
    expect(f.host.hostCalls("proxy_get_shared_data")).toBe(52);
    expect(f.host.logs.length).toBe(logs);
    expect(f.metric("table.loaded")).toBe(1);
    expect(f.metric("table.ignored_stale")).toBe(0);
  });

  it("keeps the last good table when a corrupt or older one arrives", async () => {
    const f = await startFilter({});
    f.publish(v(5n, "good"));
    const corrupt = v(6n, "bad").slice();
    corrupt[20]! ^= 0x10;
    f.publish(corrupt);
    expect(f.route(requestHeaders("api"))).toBe("good");
    expect(f.metric("table.rejected.bad_checksum")).toBe(1);
    expect(f.host.findLogs(/rejected weight table from shared data: bad_checksum; keeping version 5/)).toHaveLength(1);
    f.publish(v(4n, "older"));
    f.publish(v(5n, "same-version"));
    expect(f.route(requestHeaders("api"))).toBe("good");
    expect(f.metric("table.ignored_stale")).toBe(2);
    f.publish(v(6n, "newer"));
    expect(f.route(requestHeaders("api"))).toBe("newer");
  });

  it("prefers a newer shared table over the static one, and not an older one", async () => {
    const f = await startFilter({ static_table: Buffer.from(v(10n, "static")).toString("base64") });
    expect(f.route(requestHeaders("api"))).toBe("static");
    f.publish(v(9n, "older"));
    expect(f.route(requestHeaders("api"))).toBe("static");
    f.publish(v(11n, "shared"));
    expect(f.route(requestHeaders("api"))).toBe("shared");
  });

  it("reads the configured shared-data key", async () => {
    const f = await startFilter({ shared_data_key: "mesh/solar" });
    f.publish(v(1n, "a"));
    expect(f.route(requestHeaders("api"))).toBeNull();
    f.host.sharedData.set("mesh/solar", v(1n, "a"));
    f.host.tick(f.rootId);
    expect(f.route(requestHeaders("api"))).toBe("a");
  });
});

describe("large tables", () => {
  it("take the host-memory path for values past the arena, and memory settles", async () => {
    const f = await startFilter({});
    const services = Array.from({ length: 1_000 }, (_, i) => ({
      key: `svc-${String(i).padStart(4, "0")}.shop.svc.cluster.local`,
      upstreams: upstreams({ "site-a": i + 1, "site-b": 1 }),
    }));
    let settled = 0;
    for (let version = 1n; version <= 40n; version++) {
      const bytes = encodeTable(table(services, { version }));
      expect(bytes.length).toBeGreaterThan(40_000);
      f.publish(bytes);
      if (version === 20n) settled = f.host.memoryBytes();
    }
    expect(f.metric("table.loaded")).toBe(40);
    expect(f.route(requestHeaders("svc-0999.shop.svc.cluster.local"))).toMatch(/^site-[ab]$/);
    expect(f.host.memoryBytes()).toBe(settled);
  });
});

describe("TTL", () => {
  it("passes through once the table is past issued_at + ttl, and routes again on a fresh table", async () => {
    const f = await startFilter({ tick_ms: 100 });
    f.publish(v(1n, "a", { ttlMs: 1_000 }));
    f.host.advanceTime(900);
    expect(f.route(requestHeaders("api"))).toBe("a");
    f.host.advanceTime(200); // ticks fire as the clock passes them
    expect(f.route(requestHeaders("api"))).toBeNull();
    expect(f.host.findLogs(/version 1 is past its TTL/)).toHaveLength(1);
    f.host.advanceTime(100);
    expect(f.metric("passthrough.table_expired")).toBe(1);
    const now = BigInt(Number(f.host.now() / 1_000_000n));
    f.publish(v(2n, "b", { issuedAtMs: now, ttlMs: 1_000 }));
    expect(f.route(requestHeaders("api"))).toBe("b");
  });

  it("allows the configured grace, and ignores TTLs when told to", async () => {
    const grace = await startFilter({ tick_ms: 100, ttl_grace_ms: 5_000 });
    grace.publish(v(1n, "a", { ttlMs: 1_000 }));
    grace.host.advanceTime(5_500);
    expect(grace.route(requestHeaders("api"))).toBe("a");
    grace.host.advanceTime(600);
    expect(grace.route(requestHeaders("api"))).toBeNull();

    const ignore = await startFilter({ tick_ms: 60_000, enforce_ttl: false });
    ignore.publish(v(1n, "a", { ttlMs: 1 }));
    ignore.host.advanceTime(86_400_000);
    expect(ignore.route(requestHeaders("api"))).toBe("a");
  });

  it("checks a static table's TTL at configure time", async () => {
    const f = await startFilter({ static_table: Buffer.from(v(1n, "a", { issuedAtMs: 0n })).toString("base64") });
    expect(f.route(requestHeaders("api"))).toBeNull();
  });
});

describe("several plugin configurations in one VM", () => {
  it("keeps each root's table and settings apart", async () => {
    const f = await startFilter({ static_table: Buffer.from(v(1n, "first")).toString("base64") });
    const second = f.host.startPlugin({
      pluginConfig: JSON.stringify({ static_table: base64Table(table([{ key: "api", upstreams: upstreams({ second: 1 }) }])), upstream_header: "x-other" }),
    });
    expect(second.configured).toBe(true);
    expect(f.route(requestHeaders("api"))).toBe("first");
    const result = f.host.httpRequest(second.rootId, { requestHeaders: Object.entries(requestHeaders("api")) });
    expect(result.requestHeaders).toContainEqual(["x-other", "second"]);
    expect(result.requestHeaders.some(([k]) => k === "x-solar-upstream")).toBe(false);
  });
});

describe("request counters", () => {
  it("reach the host on the next tick, summed", async () => {
    const f = await startFilter({ static_table: Buffer.from(v(1n, "a")).toString("base64") });
    f.routeMany(requestHeaders("api"), 10);
    f.routeMany(requestHeaders("nope"), 3);
    expect(f.metric("decisions.a")).toBe(0);
    f.host.tick(f.rootId);
    expect(f.metric("decisions.a")).toBe(10);
    expect(f.metric("passthrough.unknown_service")).toBe(3);
    f.host.tick(f.rootId);
    expect(f.metric("decisions.a")).toBe(10);
  });
});
