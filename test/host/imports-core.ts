// Host functions not tied to HTTP streams: logging, clock and timer, buffers, properties,
// metrics, shared data, context switching. Semantics follow cpp-host src/exports.cc and the
// Envoy Context methods they call.
import { BUFFER_TYPE_MAX, BufferType, LOG_LEVEL_MAX, WasmResult } from "./abi.js";
import type { Context, RootContext } from "./context.js";
import type { HostState } from "./host-state.js";
import { utf8 } from "./memory.js";

const EMPTY = new Uint8Array(0);

export interface CoreHooks {
  /** proxy_done accepted for this root: run on_delete once the current guest call returns. */
  scheduleRootDelete(root: RootContext): void;
}

/** Envoy Context::getBuffer: null means NOT_FOUND. */
function bufferFor(s: HostState, ctx: Context, type: number): Uint8Array | null {
  switch (type) {
    case BufferType.HttpRequestBody:
      return ctx.kind === "stream" && ctx.requestBodyLive ? ctx.requestBody : EMPTY;
    case BufferType.HttpResponseBody:
      return ctx.kind === "stream" && ctx.responseBodyLive ? ctx.responseBody : EMPTY;
    case BufferType.HttpCallResponseBody:
      return s.rootOf(ctx).httpCallResponse?.body ?? null;
    case BufferType.VmConfiguration:
      return s.vmConfig;
    case BufferType.PluginConfiguration:
      return ctx.kind === "root" && ctx.pluginConfigVisible ? ctx.pluginConfig : null;
    default:
      return EMPTY;
  }
}

/** Envoy Buffer::copyFrom on a live body: replace a prefix, or append; else BAD_ARGUMENT. */
function splice(current: Uint8Array, start: number, length: number, data: Uint8Array): Uint8Array | null {
  if (start === 0) {
    const rest = current.subarray(Math.min(length, current.length));
    const out = new Uint8Array(data.length + rest.length);
    out.set(data, 0);
    out.set(rest, data.length);
    return out;
  }
  if (start >= current.length) {
    const out = new Uint8Array(current.length + data.length);
    out.set(current, 0);
    out.set(data, current.length);
    return out;
  }
  return null;
}

export function coreImports(s: HostState, hooks: CoreHooks): Record<string, Function> {
  const mem = s.mem;
  return {
    proxy_log(level: number, ptr: number, size: number): number {
      if (level >>> 0 > LOG_LEVEL_MAX) return WasmResult.BadArgument;
      const ctx = s.active();
      if (!mem.inBounds(ptr >>> 0, size >>> 0)) return WasmResult.InvalidMemoryAccess;
      if (level < s.logLevel) return WasmResult.Ok;
      s.addLog(level, mem.readString(ptr, size) ?? "", ctx.id);
      return WasmResult.Ok;
    },

    proxy_get_log_level(ptr: number): number {
      return mem.writeWord(ptr, s.logLevel) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_get_current_time_nanoseconds(ptr: number): number {
      return mem.writeU64(ptr, s.nowNs()) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_set_tick_period_milliseconds(period: number): number {
      const root = s.rootOf(s.active());
      root.tickPeriodMs = period >>> 0;
      // Envoy restarts the timer from now whenever the period is set.
      root.nextTickNs = s.nowNs() + BigInt(root.tickPeriodMs) * 1_000_000n;
      return WasmResult.Ok;
    },

    proxy_get_buffer_status(type: number, sizePtr: number, flagsPtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buf = bufferFor(s, s.active(), type);
      if (buf === null) return WasmResult.NotFound;
      if (!mem.writeWord(sizePtr, buf.length) || !mem.writeWord(flagsPtr, 0)) {
        return WasmResult.InvalidMemoryAccess;
      }
      return WasmResult.Ok;
    },

    proxy_get_buffer_bytes(type: number, start: number, length: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buf = bufferFor(s, s.active(), type);
      if (buf === null) return WasmResult.NotFound;
      start >>>= 0;
      length >>>= 0;
      if (start > buf.length) length = 0;
      else if (start + length > buf.length) length = buf.length - start;
      const ok = length === 0
        ? mem.writeWord(ptrPtr, 0) && mem.writeWord(sizePtr, 0)
        : mem.copyToPointerSize(buf.subarray(start, start + length), ptrPtr, sizePtr);
      return ok ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, size: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = s.active();
      if (bufferFor(s, ctx, type) === null) return WasmResult.NotFound;
      const data = mem.read(ptr, size);
      if (data === null) return WasmResult.InvalidMemoryAccess;
      if (ctx.kind !== "stream") return WasmResult.BadArgument;
      if (type === BufferType.HttpRequestBody && ctx.requestBodyLive) {
        const next = splice(ctx.requestBody, start >>> 0, length >>> 0, data);
        if (next === null) return WasmResult.BadArgument;
        ctx.requestBody = next;
        return WasmResult.Ok;
      }
      if (type === BufferType.HttpResponseBody && ctx.responseBodyLive) {
        const next = splice(ctx.responseBody, start >>> 0, length >>> 0, data);
        if (next === null) return WasmResult.BadArgument;
        ctx.responseBody = next;
        return WasmResult.Ok;
      }
      return WasmResult.BadArgument;
    },

    proxy_get_property(pathPtr: number, pathSize: number, ptrPtr: number, sizePtr: number): number {
      const path = mem.readString(pathPtr, pathSize);
      if (path === null) return WasmResult.InvalidMemoryAccess;
      const value = s.getProperty(s.active(), path);
      if (value === undefined) return WasmResult.NotFound;
      return mem.copyToPointerSize(value, ptrPtr, sizePtr) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_set_property(pathPtr: number, pathSize: number, valuePtr: number, valueSize: number): number {
      const path = mem.readString(pathPtr, pathSize);
      const value = mem.read(valuePtr, valueSize);
      if (path === null || value === null) return WasmResult.InvalidMemoryAccess;
      const ctx = s.active();
      // Envoy keeps it as filter state of the stream; a plugin context has none.
      if (ctx.kind !== "stream") return WasmResult.NotFound;
      (ctx.properties ??= new Map()).set(path.endsWith("\0") ? path.slice(0, -1) : path, value);
      return WasmResult.Ok;
    },

    proxy_get_status(codePtr: number, ptrPtr: number, sizePtr: number): number {
      const root = s.rootOf(s.active());
      if (!mem.writeWord(codePtr, root.statusCode)) return WasmResult.InvalidMemoryAccess;
      const message = utf8(root.statusMessage);
      return mem.copyToPointerSize(message, ptrPtr, sizePtr) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_define_metric(type: number, namePtr: number, nameSize: number, idPtr: number): number {
      const name = mem.readString(namePtr, nameSize);
      if (name === null) return WasmResult.InvalidMemoryAccess;
      const { result, id } = s.metrics.define(type >>> 0, name);
      if (result !== WasmResult.Ok) return result;
      return mem.writeWord(idPtr, id) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_increment_metric(id: number, delta: bigint): number {
      return s.metrics.increment(id >>> 0, delta);
    },

    proxy_record_metric(id: number, value: bigint): number {
      return s.metrics.record(id >>> 0, value);
    },

    proxy_get_metric(id: number, ptr: number): number {
      const { result, value } = s.metrics.get(id >>> 0);
      if (result !== WasmResult.Ok) return result;
      return mem.writeU64(ptr, value) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_get_shared_data(keyPtr: number, keySize: number, ptrPtr: number, sizePtr: number, casPtr: number): number {
      const key = mem.view(keyPtr, keySize);
      if (key === null) return WasmResult.InvalidMemoryAccess;
      const entry = s.sharedData.lookup(key, 0, key.length);
      if (entry === undefined) return WasmResult.NotFound;
      const cas = entry.cas;
      if (!mem.copyToPointerSize(entry.value, ptrPtr, sizePtr)) return WasmResult.InvalidMemoryAccess;
      const copies = s.sharedDataCopies.get(entry);
      if (copies === undefined) s.sharedDataCopies.set(entry, { reads: 1, bytes: entry.value.length });
      else {
        copies.reads++;
        copies.bytes += entry.value.length;
      }
      return mem.writeWord(casPtr, cas) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },

    proxy_set_shared_data(keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number): number {
      const key = mem.view(keyPtr, keySize);
      const value = mem.read(valuePtr, valueSize);
      if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
      return s.sharedData.store(key, 0, key.length, value, cas >>> 0);
    },

    proxy_set_effective_context(id: number): number {
      id >>>= 0;
      if (s.getContext(id) === undefined) return WasmResult.BadArgument;
      s.effectiveId = id;
      return WasmResult.Ok;
    },

    proxy_done(): number {
      const root = s.rootOf(s.active());
      if (!root.pendingDone) return WasmResult.NotFound;
      root.pendingDone = false;
      hooks.scheduleRootDelete(root);
      return WasmResult.Ok;
    },
  };
}
