// The Envoy config generator on its own (no Envoy): routes per listener, the native weighted
// split used as bench:envoy's scenario e), and the errors that name what is wrong. That Envoy
// really splits by it is checked against a real Envoy in harness.test.ts.
import { describe, expect, it } from "vitest";
import { DEFAULT_CLUSTER, ROUTING_HEADER, buildEnvoyConfig, type EnvoyBootstrap } from "./envoy-config.js";

const UPSTREAMS = { a: { port: 1001 }, b: { port: 1002 }, [DEFAULT_CLUSTER]: { port: 1003 } };

interface Hcm {
  route_config: { virtual_hosts: { routes: unknown[] }[] };
  http_filters: { name: string }[];
}

const hcmOf = (config: EnvoyBootstrap, listener: string): Hcm =>
  config.static_resources.listeners.find((x) => x.name === listener)!.filter_chains[0]!.filters[0]!.typed_config as unknown as Hcm;

const routesOf = (config: EnvoyBootstrap, listener: string): unknown[] => hcmOf(config, listener).route_config.virtual_hosts[0]!.routes;

const headerRoute = (name: string) => ({
  match: { prefix: "/", headers: [{ name: ROUTING_HEADER, string_match: { exact: name } }] },
  route: { cluster: name },
});

describe("buildEnvoyConfig", () => {
  it("routes by the routing header, then everything else to default", () => {
    const config = buildEnvoyConfig({ upstreams: UPSTREAMS, listeners: [{ name: "plain" }] });
    expect(routesOf(config, "plain")).toEqual([headerRoute("a"), headerRoute("b"), { match: { prefix: "/" }, route: { cluster: DEFAULT_CLUSTER } }]);
    expect(config.static_resources.clusters.map((c) => c.name)).toEqual(["a", "b", DEFAULT_CLUSTER]);
  });

  it("gives a listener with weightedClusters the same header routes and a weighted_clusters catch-all", () => {
    const config = buildEnvoyConfig({
      upstreams: UPSTREAMS,
      listeners: [{ name: "plain" }, { name: "native", weightedClusters: { a: 3, b: 1 } }],
    });
    expect(routesOf(config, "native")).toEqual([
      headerRoute("a"),
      headerRoute("b"),
      { match: { prefix: "/" }, route: { weighted_clusters: { clusters: [{ name: "a", weight: 3 }, { name: "b", weight: 1 }] } } },
    ]);
    // The other listener keeps its own catch-all, and no HTTP filter but the router is added.
    expect(routesOf(config, "plain").at(-1)).toEqual({ match: { prefix: "/" }, route: { cluster: DEFAULT_CLUSTER } });
    expect(hcmOf(config, "native").http_filters.map((f) => f.name)).toEqual(["envoy.filters.http.router"]);
  });

  it.each([
    [{ c: 1 }, /listener native: weighted cluster "c" is not one of the upstreams/],
    [{ a: 0 }, /listener native: weight of "a" must be a positive integer \(got 0\)/],
    [{ a: 1.5 }, /listener native: weight of "a" must be a positive integer \(got 1.5\)/],
    [{}, /listener native: weightedClusters needs at least one cluster/],
  ])("refuses weightedClusters %j, naming the listener and the field", (weights, message) => {
    expect(() => buildEnvoyConfig({ upstreams: UPSTREAMS, listeners: [{ name: "native", weightedClusters: weights }] })).toThrow(message);
  });

  it("refuses upstreams without default, and duplicate listener names", () => {
    expect(() => buildEnvoyConfig({ upstreams: { a: { port: 1 } }, listeners: [{ name: "x" }] })).toThrow(/must include "default"/);
    expect(() => buildEnvoyConfig({ upstreams: UPSTREAMS, listeners: [{ name: "x" }, { name: "x" }] })).toThrow(/duplicate listener name "x"/);
  });
});
