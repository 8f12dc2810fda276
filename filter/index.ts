// The filter's Wasm entry points: the proxy-wasm ABI 0.2.1 callbacks it needs and nothing more,
// so Envoy makes as few VM calls per request as possible (no body, trailer, log, done or delete
// callbacks; response headers only for reports). The plugin's behaviour lives in root-context.ts,
// request-path.ts, response-path.ts, delivery/ and report/.
import "./runtime/abort";
import { addRoot, bindStream, findRoot, rootOfStream } from "./contexts";
import { parsePluginConfig } from "./config/plugin-config";
import { LogLevel, hostMalloc, log, nowNanos, pluginConfiguration, resetArena, setTickPeriod } from "./host";
import { takeStream, observingResponses } from "./report/streams";
import { routeRequest } from "./request-path";
import { countResponse } from "./response-path";
import { RootContext } from "./root-context";
import { mix64 } from "./route/hash";
import { seedRandom } from "./route/random";

const FILTER_HEADERS_CONTINUE: u32 = 0;

export function proxy_abi_version_0_2_1(): void {}

export function malloc(size: usize): usize {
  return hostMalloc(size);
}

export function proxy_on_vm_start(rootId: u32, _vmConfigSize: u32): bool {
  resetArena();
  seedRandom(mix64(nowNanos() ^ (<u64>rootId << 32)));
  return true;
}

export function proxy_on_configure(rootId: u32, configSize: u32): bool {
  resetArena();
  const parsed = parsePluginConfig(pluginConfiguration(configSize));
  const config = parsed.config;
  if (config === null) {
    log(LogLevel.Error, "invalid plugin configuration: " + parsed.error);
    return false;
  }
  addRoot(new RootContext(rootId, config));
  setTickPeriod(config.tickMs);
  return true;
}

export function proxy_on_tick(rootId: u32): void {
  resetArena();
  const root = findRoot(rootId);
  if (root !== null) root.refresh();
}

export function proxy_on_http_call_response(contextId: u32, token: u32, headerCount: u32, bodySize: u32, _trailerCount: u32): void {
  resetArena();
  const root = findRoot(contextId);
  if (root !== null) root.onHttpCallResponse(token, headerCount, bodySize);
}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  // Roots are registered once configured; a stream remembers its root for the request path.
  if (parentId != 0) bindStream(contextId, parentId);
}

export function proxy_on_request_headers(contextId: u32, _headerCount: u32, _endOfStream: bool): u32 {
  resetArena();
  const root = rootOfStream(contextId);
  if (root !== null) routeRequest(root, contextId);
  return FILTER_HEADERS_CONTINUE;
}

// Exported for reports that observe responses. Once exported Envoy calls it for every response,
// so it returns at once unless a root observes responses and the request path remembered the stream.
export function proxy_on_response_headers(contextId: u32, _headerCount: u32, _endOfStream: bool): u32 {
  if (!observingResponses() || !takeStream(contextId)) return FILTER_HEADERS_CONTINUE;
  resetArena();
  const root = rootOfStream(contextId);
  if (root !== null) countResponse(root);
  return FILTER_HEADERS_CONTINUE;
}
