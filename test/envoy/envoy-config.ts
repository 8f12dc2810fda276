// Typed generator for the (small) subset of the Envoy v3 bootstrap the tests and benchmarks use.
// Envoy reads JSON with `-c file.json`, so these objects are written out as-is.

export const ROUTING_HEADER = "x-solar-upstream";
export const SERVED_BY_HEADER = "x-served-by";
export const DEFAULT_CLUSTER = "default";

const LOOPBACK = "127.0.0.1";

export interface SocketAddress {
  socket_address: { address: string; port_value: number };
}

interface TypedConfig {
  "@type": string;
  [field: string]: unknown;
}

export interface HttpFilter {
  name: string;
  typed_config: TypedConfig;
}

export interface HeaderValueOption {
  header: { key: string; value: string };
  append_action: "OVERWRITE_IF_EXISTS_OR_ADD";
}

export interface WeightedClusters {
  clusters: { name: string; weight: number }[];
}

export interface Route {
  match: {
    prefix: string;
    headers?: { name: string; string_match: { exact: string } }[];
  };
  route?: { cluster: string } | { weighted_clusters: WeightedClusters };
  direct_response?: { status: number; body?: { inline_string: string } };
  response_headers_to_add?: HeaderValueOption[];
}

export interface RouteConfiguration {
  name: string;
  virtual_hosts: { name: string; domains: string[]; routes: Route[] }[];
}

export interface Listener {
  name: string;
  /** Listener stats become `listener.<stat_prefix>.*` instead of `listener.127.0.0.1_0.*` (shared by all port-0 listeners). */
  stat_prefix: string;
  address: SocketAddress;
  filter_chains: {
    filters: { name: string; typed_config: TypedConfig }[];
  }[];
}

export interface Cluster {
  name: string;
  type: "STATIC";
  connect_timeout: string;
  load_assignment: {
    cluster_name: string;
    endpoints: { lb_endpoints: { endpoint: { address: SocketAddress } }[] }[];
  };
  circuit_breakers: {
    thresholds: {
      max_connections: number;
      max_pending_requests: number;
      max_requests: number;
      max_retries: number;
    }[];
  };
}

export interface EnvoyBootstrap {
  node: { id: string; cluster: string };
  admin: { address: SocketAddress };
  static_resources: { listeners: Listener[]; clusters: Cluster[] };
}

/**
 * Envoy 1.40's PluginConfig has both `fail_open` (bool, deprecated) and `failure_policy`
 * (enum); setting both is rejected. We emit only `failure_policy`.
 */
export type WasmFailurePolicy = "FAIL_OPEN" | "FAIL_CLOSED" | "FAIL_RELOAD";

export interface WasmFilterSpec {
  /** Path of the .wasm module on local disk (absolute, or relative to Envoy's cwd). */
  wasmPath: string;
  rootId: string;
  /** Plugins with the same vm_id and code share a VM; defaults to rootId. */
  vmId?: string;
  /** Passed to proxy_on_configure as a google.protobuf.StringValue; objects are JSON-encoded. */
  pluginConfig?: string | object;
  /** Defaults to FAIL_OPEN: a crashed VM lets requests through unfiltered (→ default route). */
  failurePolicy?: WasmFailurePolicy;
}

export interface ProxyListenerSpec {
  /** Listener name; also the HCM stat_prefix, so stats are `http.<name>.*`. */
  name: string;
  /** Wasm HTTP filter placed before the router; omitted = router only. */
  wasm?: WasmFilterSpec;
  /**
   * Envoy's own split instead of the catch-all to `default`: the last route sends each request
   * to one of these upstreams with `weighted_clusters`, by these integer weights. The header
   * routes stay in front of it, so the route table differs from the other listeners' only there.
   */
  weightedClusters?: Record<string, number>;
}

export interface UpstreamAddress {
  host?: string;
  port: number;
}

export interface ProxyConfigSpec {
  listeners: ProxyListenerSpec[];
  /**
   * Cluster name → address. Every name except `default` gets a route matching
   * `x-solar-upstream: <name>`; a final catch-all routes to `default`, which is required (or,
   * on a listener with `weightedClusters`, splits).
   */
  upstreams: Record<string, UpstreamAddress>;
  /** Clusters no route points at, e.g. the controller the filter calls with proxy_http_call. */
  extraClusters?: Record<string, UpstreamAddress>;
  nodeId?: string;
}

function loopback(port = 0, host = LOOPBACK): SocketAddress {
  return { socket_address: { address: host, port_value: port } };
}

function assertName(kind: string, name: string): void {
  // Names end up in stat names and cluster references; keep them boring.
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`invalid ${kind} name ${JSON.stringify(name)}: use [A-Za-z0-9_.-]`);
  }
}

function assertUnique(kind: string, names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    assertName(kind, name);
    if (seen.has(name)) throw new Error(`duplicate ${kind} name ${JSON.stringify(name)}`);
    seen.add(name);
  }
}

export function wasmHttpFilter(spec: WasmFilterSpec): HttpFilter {
  const value =
    spec.pluginConfig === undefined
      ? ""
      : typeof spec.pluginConfig === "string"
        ? spec.pluginConfig
        : JSON.stringify(spec.pluginConfig);
  return {
    name: "envoy.filters.http.wasm",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: spec.rootId,
        root_id: spec.rootId,
        vm_config: {
          vm_id: spec.vmId ?? spec.rootId,
          runtime: "envoy.wasm.runtime.v8",
          code: { local: { filename: spec.wasmPath } },
        },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value },
        failure_policy: spec.failurePolicy ?? "FAIL_OPEN",
      },
    },
  };
}

const ROUTER_FILTER: HttpFilter = {
  name: "envoy.filters.http.router",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
};

function httpListener(name: string, routeConfig: RouteConfiguration, filters: HttpFilter[]): Listener {
  return {
    name,
    stat_prefix: name,
    address: loopback(),
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type":
                "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              stat_prefix: name,
              codec_type: "AUTO",
              route_config: routeConfig,
              http_filters: [...filters, ROUTER_FILTER],
            },
          },
        ],
      },
    ],
  };
}

function staticCluster(name: string, address: UpstreamAddress): Cluster {
  // Circuit breakers raised so load tests measure the proxy, not Envoy's default 1024 limits.
  const big = 100_000;
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: loopback(address.port, address.host) } }] }],
    },
    circuit_breakers: {
      thresholds: [{ max_connections: big, max_pending_requests: big, max_requests: big, max_retries: 3 }],
    },
  };
}

function bootstrap(nodeId: string, listeners: Listener[], clusters: Cluster[]): EnvoyBootstrap {
  return {
    node: { id: nodeId, cluster: nodeId },
    admin: { address: loopback() },
    static_resources: { listeners, clusters },
  };
}

function weightedClusters(listener: string, weights: Record<string, number>, upstreams: string[]): WeightedClusters {
  const clusters = Object.entries(weights).map(([name, weight]) => {
    if (!upstreams.includes(name)) {
      throw new Error(`listener ${listener}: weighted cluster ${JSON.stringify(name)} is not one of the upstreams`);
    }
    if (!Number.isInteger(weight) || weight < 1) {
      throw new Error(`listener ${listener}: weight of ${JSON.stringify(name)} must be a positive integer (got ${weight})`);
    }
    return { name, weight };
  });
  if (clusters.length === 0) throw new Error(`listener ${listener}: weightedClusters needs at least one cluster`);
  return { clusters };
}

/** Header-routing proxy: the shape of the production Envoy config the filter is deployed in. */
export function buildEnvoyConfig(spec: ProxyConfigSpec): EnvoyBootstrap {
  const names = Object.keys(spec.upstreams);
  assertUnique("upstream", names);
  assertUnique("listener", spec.listeners.map((l) => l.name));
  if (!(DEFAULT_CLUSTER in spec.upstreams)) {
    throw new Error(`upstreams must include "${DEFAULT_CLUSTER}" (target of the catch-all route)`);
  }
  if (spec.listeners.length === 0) throw new Error("at least one listener is required");

  const routes: Route[] = names
    .filter((name) => name !== DEFAULT_CLUSTER)
    .map((name) => ({
      match: { prefix: "/", headers: [{ name: ROUTING_HEADER, string_match: { exact: name } }] },
      route: { cluster: name },
    }));
  const routeConfig = (last: Route["route"]): RouteConfiguration => ({
    name: "solar_routes",
    virtual_hosts: [{ name: "all", domains: ["*"], routes: [...routes, { match: { prefix: "/" }, route: last }] }],
  });
  const toDefault = routeConfig({ cluster: DEFAULT_CLUSTER });

  const listeners = spec.listeners.map((l) => {
    const routing = l.weightedClusters === undefined
      ? toDefault
      : routeConfig({ weighted_clusters: weightedClusters(l.name, l.weightedClusters, names) });
    return httpListener(l.name, routing, l.wasm ? [wasmHttpFilter(l.wasm)] : []);
  });
  const extra = Object.entries(spec.extraClusters ?? {});
  assertUnique("cluster", [...names, ...extra.map(([name]) => name)]);
  const clusters = [
    ...names.map((name) => staticCluster(name, spec.upstreams[name]!)),
    ...extra.map(([name, address]) => staticCluster(name, address)),
  ];
  return bootstrap(spec.nodeId ?? "solar-router-test", listeners, clusters);
}

/**
 * One listener per name answering 200 with body = name and `x-served-by: name` straight from
 * Envoy (direct_response): a cheap, multi-threaded stand-in upstream for load tests.
 */
export function buildDirectResponseConfig(names: string[], nodeId = "solar-router-upstream"): EnvoyBootstrap {
  assertUnique("upstream", names);
  const listeners = names.map((name) =>
    httpListener(
      name,
      {
        name: `direct_${name}`,
        virtual_hosts: [
          {
            name: "all",
            domains: ["*"],
            routes: [
              {
                match: { prefix: "/" },
                direct_response: { status: 200, body: { inline_string: name } },
                response_headers_to_add: [
                  { header: { key: SERVED_BY_HEADER, value: name }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
                ],
              },
            ],
          },
        ],
      },
      [],
    ),
  );
  return bootstrap(nodeId, listeners, []);
}
