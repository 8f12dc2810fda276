// Entry point for Envoy end-to-end tests and benchmarks.
export { ENVOY_INSTALL_COMMAND, REPO_ROOT, resolveEnvoyBinary, venvEnvoyBinary } from "./envoy-binary.js";
export {
  DEFAULT_CLUSTER,
  ROUTING_HEADER,
  SERVED_BY_HEADER,
  buildDirectResponseConfig,
  buildEnvoyConfig,
  wasmHttpFilter,
} from "./envoy-config.js";
export type {
  EnvoyBootstrap,
  ProxyConfigSpec,
  ProxyListenerSpec,
  UpstreamAddress,
  WasmFailurePolicy,
  WasmFilterSpec,
} from "./envoy-config.js";
export { httpGetText, killAllEnvoys, startEnvoy } from "./envoy-process.js";
export type { EnvoyHandle, EnvoyLogLevel, StartEnvoyOptions } from "./envoy-process.js";
export { sendRequests } from "./load.js";
export type { LoadResult, SendRequestsOptions } from "./load.js";
export { startUpstreams } from "./upstreams.js";
export type { Upstream, Upstreams } from "./upstreams.js";
