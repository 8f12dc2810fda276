// Host functions for HTTP streams: header maps, HTTP calls, local replies, stream control.
// Semantics follow cpp-host src/exports.cc and Envoy's Context (getMap/getConstMap, httpCall,
// sendLocalResponse, continueStream, closeStream).
import { MAP_TYPE_MAX, MapType, STREAM_TYPE_MAX, StreamType, WasmResult } from "./abi.js";
import type { Context, StreamContext } from "./context.js";
import { HeaderMap, decodePairBytes, lowerAscii } from "./header-map.js";
import type { HostState } from "./host-state.js";
import { text, utf8 } from "./memory.js";

const EMPTY = new Uint8Array(0);
const CONTENT_LENGTH = utf8("content-length");

/** Envoy Context::getMap: the maps a plugin may modify right now (null: BAD_ARGUMENT). */
export function mutableMap(ctx: Context, type: number): HeaderMap | null {
  if (ctx.kind !== "stream") return null;
  switch (type) {
    case MapType.HttpRequestHeaders:
      return ctx.requestHeadersLive ? ctx.requestHeaders : null;
    case MapType.HttpRequestTrailers:
      // Trailers can be added from the last body chunk of a stream that has none.
      if (!ctx.requestTrailersLive && ctx.requestTrailers === null && ctx.requestBodyLive && ctx.endOfStream) {
        ctx.requestTrailers = new HeaderMap();
        ctx.requestTrailersLive = true;
      }
      return ctx.requestTrailersLive ? ctx.requestTrailers : null;
    case MapType.HttpResponseHeaders:
      return ctx.responseHeadersLive ? ctx.responseHeaders : null;
    case MapType.HttpResponseTrailers:
      if (!ctx.responseTrailersLive && ctx.responseTrailers === null && ctx.responseBodyLive && ctx.endOfStream) {
        ctx.responseTrailers = new HeaderMap();
        ctx.responseTrailersLive = true;
      }
      return ctx.responseTrailersLive ? ctx.responseTrailers : null;
    default:
      return null;
  }
}

/** Envoy Context::getConstMap: the maps a plugin may read right now. */
function readableMap(s: HostState, ctx: Context, type: number): HeaderMap | null {
  if (type === MapType.HttpCallResponseHeaders) return s.rootOf(ctx).httpCallResponse?.headers ?? null;
  if (type === MapType.HttpCallResponseTrailers) return s.rootOf(ctx).httpCallResponse?.trailers ?? null;
  if (ctx.kind !== "stream") return null;
  const log = ctx.accessLogPhase;
  switch (type) {
    case MapType.HttpRequestHeaders:
      return log || ctx.requestHeadersLive ? ctx.requestHeaders : null;
    case MapType.HttpRequestTrailers:
      return !log && ctx.requestTrailersLive ? ctx.requestTrailers : null;
    case MapType.HttpResponseHeaders:
      return log || ctx.responseHeadersLive ? ctx.responseHeaders : null;
    case MapType.HttpResponseTrailers:
      return log || ctx.responseTrailersLive ? ctx.responseTrailers : null;
    default:
      return null;
  }
}

function markContinued(ctx: StreamContext, type: number): void {
  if (type === StreamType.HttpRequest) ctx.requestPaused = false;
  else ctx.responsePaused = false;
  // Envoy forgets the request-side maps on either kind of continue.
  ctx.requestHeadersLive = false;
  ctx.requestBodyLive = false;
  ctx.requestTrailersLive = false;
}

export function httpImports(s: HostState): Record<string, Function> {
  const mem = s.mem;
  return {
    proxy_get_header_map_value(type: number, keyPtr: number, keySize: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = s.active();
      const key = mem.view(keyPtr, keySize);
      if (key === null) return WasmResult.InvalidMemoryAccess;
      const map = readableMap(s, ctx, type);
      if (map === null) {
        return ctx.kind === "stream" && ctx.accessLogPhase ? WasmResult.NotFound : WasmResult.BadArgument;
      }
      const i = map.find(key, 0, key.length);
      if (i < 0) return WasmResult.NotFound;
      return mem.copyToPointerSize(map.values[i]!, ptrPtr, sizePtr) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_add_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const key = mem.view(keyPtr, keySize);
      const value = mem.read(valuePtr, valueSize);
      if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
      const map = mutableMap(s.active(), type);
      if (map === null) return WasmResult.BadArgument;
      map.add(lowerAscii(key), value);
      return WasmResult.Ok;
    },

    proxy_replace_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const key = mem.view(keyPtr, keySize);
      const value = mem.read(valuePtr, valueSize);
      if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
      const map = mutableMap(s.active(), type);
      if (map === null) return WasmResult.BadArgument;
      map.replace(lowerAscii(key), value);
      return WasmResult.Ok;
    },

    proxy_remove_header_map_value(type: number, keyPtr: number, keySize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const key = mem.view(keyPtr, keySize);
      if (key === null) return WasmResult.InvalidMemoryAccess;
      const map = mutableMap(s.active(), type);
      if (map === null) return WasmResult.BadArgument;
      map.remove(key, 0, key.length);
      return WasmResult.Ok;
    },

    proxy_get_header_map_pairs(type: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const map = readableMap(s, s.active(), type);
      if (map === null || map.length === 0) {
        return mem.copyToPointerSize(EMPTY, ptrPtr, sizePtr) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      }
      const size = map.serializedSize();
      const ptr = mem.allocate(size);
      if (ptr === 0) return WasmResult.InvalidMemoryAccess;
      map.serializeInto(mem.bytes(), mem.data(), ptr);
      return mem.writeWord(ptrPtr, ptr) && mem.writeWord(sizePtr, size) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_set_header_map_pairs(type: number, ptr: number, size: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const data = mem.view(ptr, size);
      if (data === null) return WasmResult.InvalidMemoryAccess;
      const pairs = decodePairBytes(data);
      const map = mutableMap(s.active(), type);
      if (map === null) return WasmResult.BadArgument;
      map.clear();
      for (const [k, v] of pairs) map.add(lowerAscii(k), v);
      return WasmResult.Ok;
    },

    proxy_get_header_map_size(type: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const map = mutableMap(s.active(), type);
      if (map === null) return WasmResult.BadArgument;
      // Envoy answers with HeaderMap::byteSize(), not the serialized size.
      return mem.writeWord(sizePtr, map.byteSize()) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_http_call(
      uriPtr: number, uriSize: number, headersPtr: number, headersSize: number, bodyPtr: number,
      bodySize: number, trailersPtr: number, trailersSize: number, timeout: number, tokenPtr: number,
    ): number {
      const caller = s.active();
      const root = s.rootOf(caller);
      const uri = mem.readString(uriPtr, uriSize);
      const body = mem.read(bodyPtr, bodySize);
      const headerBytes = mem.view(headersPtr, headersSize);
      const trailerBytes = mem.view(trailersPtr, trailersSize);
      if (uri === null || body === null || headerBytes === null || trailerBytes === null) {
        return WasmResult.InvalidMemoryAccess;
      }
      const headers = HeaderMap.from(decodePairBytes(headerBytes));
      const trailers = HeaderMap.from(decodePairBytes(trailerBytes));
      if (!mem.writeWord(tokenPtr, 0)) return WasmResult.InvalidMemoryAccess;
      if ((timeout | 0) < 0) return WasmResult.BadArgument;
      if (s.clusters !== null && !s.clusters.has(uri)) return WasmResult.BadArgument;
      if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) {
        return WasmResult.BadArgument;
      }
      if (body.length > 0) headers.replace(CONTENT_LENGTH, utf8(String(body.length)));
      const token = (s.nextHttpCallId += 4) >>> 0;
      s.httpCalls.set(token, {
        token,
        rootContextId: root.id,
        callerContextId: caller.id,
        cluster: uri,
        headers: headers.entries(),
        body,
        trailers: trailers.entries(),
        timeoutMs: timeout >>> 0,
      });
      mem.writeWord(tokenPtr, token);
      return WasmResult.Ok;
    },

    proxy_send_local_response(
      statusCode: number, detailsPtr: number, detailsSize: number, bodyPtr: number, bodySize: number,
      headersPtr: number, headersSize: number, grpcStatus: number,
    ): number {
      const details = mem.readString(detailsPtr, detailsSize);
      const body = mem.read(bodyPtr, bodySize);
      const headerBytes = mem.view(headersPtr, headersSize);
      if (details === null || body === null || headerBytes === null) return WasmResult.InvalidMemoryAccess;
      const ctx = s.active();
      // Only an HTTP stream has a downstream to answer; the call still stops the callback.
      if (ctx.kind === "stream") {
        ctx.localResponseCount++;
        if (s.recordEvents) {
          const response = {
            contextId: ctx.id,
            statusCode: statusCode >>> 0,
            details: details.replace(/\s/g, "_"),
            body,
            bodyText: text(body),
            headers: HeaderMap.from(decodePairBytes(headerBytes)).entries(),
            grpcStatus: grpcStatus | 0,
          };
          ctx.localResponse = response;
          s.localResponses.push(response);
        }
      }
      s.stopNextIteration = true;
      return WasmResult.Ok;
    },

    proxy_continue_stream(type: number): number {
      type >>>= 0;
      if (type > STREAM_TYPE_MAX) return WasmResult.BadArgument;
      if (type === StreamType.Upstream) return WasmResult.Unimplemented;
      const ctx = s.active();
      if (s.recordEvents) s.streamControls.push({ contextId: ctx.id, op: "continue", streamType: type });
      if (ctx.kind === "stream" && type !== StreamType.Downstream) markContinued(ctx, type);
      return WasmResult.Ok;
    },

    proxy_close_stream(type: number): number {
      type >>>= 0;
      if (type > STREAM_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = s.active();
      if (s.recordEvents) s.streamControls.push({ contextId: ctx.id, op: "close", streamType: type });
      if (ctx.kind === "stream") ctx.reset = true;
      return WasmResult.Ok;
    },
  };
}
