// The request path: read the service key, pick an upstream, write the header. Runs for every
// request, so it makes no allocation, no log call and no shared-data read; every way out that is
// not a decision is a counted pass-through that leaves Envoy's default routing in charge. With
// reports, a decision is also counted for its table, service and upstream, and when responses are
// observed the stream is remembered with the time (the one host call reports add here).
import {
  getRequestHeader, nowNanos, removeRequestHeader, replaceRequestHeader, valueLen, valuePtr,
} from "./host";
import { Passthrough } from "./metrics";
import { rememberStream } from "./report/streams";
import { RootContext } from "./root-context";
import { fnv1a64 } from "./route/hash";
import { pickSticky, pickWeighted, stickyCanaryDraw, useCanary } from "./route/pick";
import { nextRandom } from "./route/random";
import { Upstream } from "./table/weight-table";

export function routeRequest(root: RootContext, contextId: u32): void {
  const table = root.table;
  if (table === null) return passThrough(root, Passthrough.NoTable);
  if (root.expired) return passThrough(root, Passthrough.TableExpired);
  if (!getRequestHeader(root.serviceHeader)) return passThrough(root, Passthrough.NoServiceKey);
  const keyPtr = valuePtr;
  const keyLen = root.serviceIsAuthority ? hostLength(keyPtr, valueLen) : valueLen;
  const service = table.find(keyPtr, keyLen);
  if (service === null) return passThrough(root, Passthrough.UnknownService);

  let upstream: Upstream | null;
  const sticky = root.stickyHeader;
  if (sticky !== null && getRequestHeader(sticky)) {
    const keyHash = fnv1a64(valuePtr, valueLen);
    upstream = pickSticky(service, useCanary(table, stickyCanaryDraw(keyHash)), keyHash);
  } else {
    const draw = nextRandom();
    upstream = pickWeighted(service, useCanary(table, draw), draw);
  }
  if (upstream === null) return passThrough(root, Passthrough.NoEligibleUpstream);

  root.metrics.countDecision(upstream.decisionSlot);
  const counts = root.reportCounts;
  if (counts !== null) {
    counts.countRequest(upstream.reportOffset);
    if (root.observeResponses) rememberStream(contextId, table.version, upstream.reportOffset, nowNanos());
  }
  if (!root.shadow) replaceRequestHeader(root.upstreamHeader, upstream.namePtr, upstream.nameLen);
}

@inline
function passThrough(root: RootContext, reason: Passthrough): void {
  root.metrics.countPassthrough(reason);
  if (root.stripInboundHeader) removeRequestHeader(root.upstreamHeader);
}

/** Length of the host part of an authority: without ":port", brackets kept for IPv6. */
function hostLength(ptr: usize, len: i32): i32 {
  if (len > 0 && load<u8>(ptr) == 0x5b) {
    for (let i = 1; i < len; i++) if (load<u8>(ptr + <usize>i) == 0x5d) return i + 1;
    return len;
  }
  for (let i = len - 1; i >= 0; i--) if (load<u8>(ptr + <usize>i) == 0x3a) return i;
  return len;
}
