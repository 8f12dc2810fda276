// The request path through the compiled filter: which upstream each request gets, and every
// way of leaving a request alone.
import { describe, expect, it } from "vitest";
import { chiSquare, chiSquareCritical001, maxShareErrorPp } from "../support/stats.js";
import { HEADER, base64Table, requestHeaders, startFilter, table, upstreams } from "./filter-host.js";

const SITES = { "site-a": 50, "site-b": 30, "site-c": 20 };
const weighted = table([
  { key: "api.example.com", upstreams: upstreams(SITES) },
  { key: "drain.example.com", upstreams: upstreams({ "site-a": 1, "site-b": 1, "site-c": 1 }, ["site-b"]) },
  { key: "zero.example.com", upstreams: upstreams({ "site-a": 0, "site-b": 1 }) },
  { key: "idle.example.com", upstreams: upstreams({ "site-a": 1, "site-b": 0 }, ["site-a"]) },
]);

describe("weighted choice", () => {
  it("honours the weights (100,000 requests, chi-square p > 0.001, within 0.5 points)", async () => {
    const f = await startFilter({ static_table: base64Table(weighted) });
    const counts = f.routeMany(requestHeaders("api.example.com"), 100_000);
    const observed = Object.keys(SITES).map((s) => counts.get(s) ?? 0);
    const shares = Object.values(SITES).map((w) => w / 100);
    expect(counts.size).toBe(3);
    expect(chiSquare(observed, shares)).toBeLessThan(chiSquareCritical001(2));
    expect(maxShareErrorPp(observed, shares)).toBeLessThan(0.5);
  });

  it("never chooses a draining or zero-weight upstream", async () => {
    const f = await startFilter({ static_table: base64Table(weighted) });
    const drain = f.routeMany(requestHeaders("drain.example.com"), 20_000);
    expect(drain.get("site-b")).toBeUndefined();
    expect([...drain.keys()].sort()).toEqual(["site-a", "site-c"]);
    expect(f.routeMany(requestHeaders("zero.example.com"), 5_000)).toEqual(new Map([["site-b", 5_000]]));
  });

  it("uses the canary weights for the canary share of requests", async () => {
    const canary = table([{ key: "api", upstreams: [
      { name: "stable", weight: 1, canaryWeight: 0, draining: false },
      { name: "canary", weight: 0, canaryWeight: 1, draining: false },
    ] }], { canaryBp: 2_500 });
    const f = await startFilter({ static_table: base64Table(canary) });
    const counts = f.routeMany(requestHeaders("api"), 40_000);
    const observed = [counts.get("stable") ?? 0, counts.get("canary") ?? 0];
    expect(chiSquare(observed, [0.75, 0.25])).toBeLessThan(chiSquareCritical001(1));
  });

  it("replaces a client-sent header instead of adding a second one", async () => {
    const f = await startFilter({ static_table: base64Table(weighted) });
    const result = f.host.httpRequest(f.rootId, {
      requestHeaders: Object.entries(requestHeaders("zero.example.com", { [HEADER]: "evil" })),
    });
    expect(result.requestHeaders.filter(([k]) => k === HEADER)).toEqual([[HEADER, "site-b"]]);
    expect(result.action).toBe(0);
    expect(f.host.localResponses).toEqual([]);
  });
});

describe("service key", () => {
  it("matches the authority without port, case-insensitively, IPv6 included", async () => {
    const t = table([
      { key: "api.example.com", upstreams: upstreams({ a: 1 }) },
      { key: "[::1]", upstreams: upstreams({ v6: 1 }) },
      { key: "10.0.0.1", upstreams: upstreams({ v4: 1 }) },
    ]);
    const f = await startFilter({ static_table: base64Table(t) });
    expect(f.route(requestHeaders("api.example.com"))).toBe("a");
    expect(f.route(requestHeaders("API.Example.COM:8080"))).toBe("a");
    expect(f.route(requestHeaders("[::1]:443"))).toBe("v6");
    expect(f.route(requestHeaders("10.0.0.1:80"))).toBe("v4");
    expect(f.route(requestHeaders("api.example.com.evil"))).toBeNull();
    expect(f.route(requestHeaders("api.example.co"))).toBeNull();
  });

  it("reads a configured service header instead", async () => {
    const t = table([{ key: "checkout", upstreams: upstreams({ a: 1 }) }]);
    const f = await startFilter({ static_table: base64Table(t), service_header: "x-service" });
    expect(f.route(requestHeaders("whatever", { "x-service": "Checkout" }))).toBe("a");
    expect(f.route(requestHeaders("checkout"))).toBeNull();
    f.host.tick(f.rootId);
    expect(f.metric("passthrough.no_service_key")).toBe(1);
  });
});

describe("sticky keys", () => {
  const KEYS = 20_000;
  const keyHeaders = (k: number) => requestHeaders("api.example.com", { "x-user": `user-${k}` });
  const assign = (f: Awaited<ReturnType<typeof startFilter>>) =>
    Array.from({ length: KEYS }, (_, k) => f.route(keyHeaders(k))!);

  it("keeps a key on one upstream and spreads keys by weight", async () => {
    const f = await startFilter({ static_table: base64Table(weighted), sticky_header: "x-user" });
    const first = assign(f);
    expect(assign(f)).toEqual(first);
    const observed = Object.keys(SITES).map((s) => first.filter((u) => u === s).length);
    expect(chiSquare(observed, [0.5, 0.3, 0.2])).toBeLessThan(chiSquareCritical001(2));
  });

  it("moves only the keys that must move when one weight changes", async () => {
    const f = await startFilter({ sticky_header: "x-user" });
    const v1 = table([{ key: "api.example.com", upstreams: upstreams(SITES) }], { version: 1n });
    const v2 = table([{ key: "api.example.com", upstreams: upstreams({ ...SITES, "site-a": 40 }) }], { version: 2n });
    f.publish(Buffer.from(base64Table(v1), "base64"));
    const before = assign(f);
    f.publish(Buffer.from(base64Table(v2), "base64"));
    const after = assign(f);
    const moved = before.map((u, k) => [u, after[k]!] as const).filter(([b, a]) => b !== a);
    // site-a's share drops from 50 % to 40/90: exactly 1/18 of keys must leave it, and only those.
    const minimum = 0.5 - 40 / 90;
    const fraction = moved.length / KEYS;
    console.log(`sticky keys moved by one weight change: ${(fraction * 100).toFixed(2)} % (minimum ${(minimum * 100).toFixed(2)} %)`);
    expect(moved.every(([b]) => b === "site-a")).toBe(true);
    expect(Math.abs(fraction - minimum)).toBeLessThan(0.01);
  });

  it("falls back to weighted random choice when the sticky header is absent", async () => {
    const f = await startFilter({ static_table: base64Table(weighted), sticky_header: "x-user" });
    expect(f.routeMany(requestHeaders("api.example.com"), 3_000).size).toBe(3);
  });
});

describe("pass-through", () => {
  it("counts every reason, touches nothing but a client-sent routing header, never answers", async () => {
    const f = await startFilter({ static_table: base64Table(weighted) });
    const spoofed = { [HEADER]: "site-c" };
    expect(f.route(requestHeaders("unknown.example.com", spoofed))).toBeNull();
    expect(f.route(requestHeaders("idle.example.com", spoofed))).toBeNull();
    f.host.tick(f.rootId);
    expect(f.metric("passthrough.unknown_service")).toBe(1);
    expect(f.metric("passthrough.no_eligible_upstream")).toBe(1);
    expect(f.host.localResponses).toEqual([]);

    const empty = await startFilter({});
    const result = empty.host.httpRequest(empty.rootId, { requestHeaders: Object.entries(requestHeaders("api.example.com", spoofed)) });
    expect(result.requestHeaders).toEqual(Object.entries(requestHeaders("api.example.com")));
    empty.host.tick(empty.rootId);
    expect(empty.metric("passthrough.no_table")).toBe(1);
  });

  it("keeps a client-sent header when told to", async () => {
    const f = await startFilter({ strip_inbound_header: false });
    expect(f.route(requestHeaders("api.example.com", { [HEADER]: "site-c" }))).toBe("site-c");
  });

  it("in shadow mode decides and counts but leaves the request alone", async () => {
    const f = await startFilter({ static_table: base64Table(weighted), shadow: true });
    const counts = f.routeMany(requestHeaders("zero.example.com"), 100);
    expect(counts).toEqual(new Map([["", 100]]));
    expect(f.route(requestHeaders("nope", { [HEADER]: "site-c" }))).toBe("site-c");
    f.host.tick(f.rootId);
    expect(f.metric("decisions.site-b")).toBe(100);
  });
});

describe("request path cost", () => {
  it("makes no log call, no shared-data read, no tick-side call and no allocation per request", async () => {
    const f = await startFilter({ static_table: base64Table(weighted), sticky_header: "x-user" }, { countHostCalls: true });
    for (let i = 0; i < 2_000; i++) f.route(requestHeaders("api.example.com", { "x-user": `u${i % 7}` })); // warm-up
    const memory = f.host.memoryBytes();
    const calls = (name: string) => f.host.hostCalls(name);
    const before = ["proxy_log", "proxy_get_shared_data", "proxy_increment_metric", "proxy_get_current_time_nanoseconds"].map(calls);
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      f.route(requestHeaders(i % 2 ? "api.example.com" : "unknown", i % 3 ? { "x-user": `user-${i}` } : {}));
    }
    const after = ["proxy_log", "proxy_get_shared_data", "proxy_increment_metric", "proxy_get_current_time_nanoseconds"].map(calls);
    expect(after).toEqual(before);
    expect(f.host.memoryBytes()).toBe(memory);
    // One header read for the service, one for the sticky key when present, one write or removal.
    expect(calls("proxy_replace_header_map_value") + calls("proxy_remove_header_map_value")).toBeGreaterThanOrEqual(N);
  });
});
