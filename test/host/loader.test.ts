import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilterHeadersStatus, LogLevel, WasmResult } from "./abi.js";
import { noopWasm, removeBuilt } from "./fixtures/compile.js";
import { ABI_AND_MALLOC, buildModule, op, type FunctionSpec, type ImportSpec } from "./fixtures/wasm-builder.js";
import { ProxyWasmHost } from "./proxy-wasm-host.js";

const I32 = "i32" as const;
const onRequestHeaders = (body: number[]): FunctionSpec => ({
  name: "proxy_on_request_headers", params: [I32, I32, I32], results: [I32], body,
});
const module = (imports: ImportSpec[], functions: FunctionSpec[]): Uint8Array =>
  buildModule({ imports, functions: [...ABI_AND_MALLOC, ...functions] });

describe("loading build/noop.wasm", () => {
  let noop: string;
  beforeAll(async () => {
    noop = await noopWasm();
  });
  afterAll(removeBuilt);

  it("starts the plugin in Envoy's order and skips callbacks the module does not export", async () => {
    const host = await ProxyWasmHost.load(noop, { vmConfig: "vm-config" });
    expect(host.abiVersion).toBe("0.2.1");
    const plugin = host.startPlugin({ pluginConfig: "{}" });
    expect(plugin).toEqual({ rootId: 1, started: true, configured: true });
    expect(host.callbacks.map((c) => [c.name, ...c.args])).toEqual([
      ["proxy_on_context_create", 1, 0],
      ["proxy_on_vm_start", 1, 9],
      ["proxy_on_configure", 1, 2],
    ]);
    const result = host.httpRequest(plugin.rootId, {
      requestHeaders: [[":path", "/"], [":method", "GET"], ["User-Agent", "t"]],
      responseHeaders: [[":status", "200"]],
    });
    expect(result.contextId).toBe(2);
    expect(result.action).toBe(0);
    expect(result.status).toBe(FilterHeadersStatus.Continue);
    expect(result.callbacks).toEqual(["proxy_on_context_create", "proxy_on_request_headers"]);
    expect(result.requestHeaders).toEqual([[":path", "/"], [":method", "GET"], ["user-agent", "t"]]);
    expect(result.localResponse).toBeNull();
    expect(host.localResponses).toEqual([]);
    expect(host.state.contexts.has(2)).toBe(false);
    expect(host.memoryBytes()).toBeGreaterThanOrEqual(65536);
    expect(host.failure).toBeNull();
  });

  it("runs prepared requests without recording per-request events", async () => {
    const host = await ProxyWasmHost.load(noop);
    const { rootId } = host.startPlugin();
    const before = host.callbacks.length;
    const prepared = host.prepareRequest([[":path", "/"], [":authority", "a"]]);
    const batch = host.runPreparedRequests(rootId, prepared, 1000);
    expect(batch).toMatchObject({ iterations: 1000, continued: 1000, stopped: 0, localResponses: 0, lastAction: 0 });
    expect(host.callbacks.length).toBe(before);
    expect(host.state.contexts.size).toBe(2); // the VM context and the plugin
    // Context ids keep increasing across both paths.
    expect(host.httpRequest(rootId, { requestHeaders: [[":path", "/"]] }).contextId).toBe(1002);
  });
});

describe("linking", () => {
  it("fails on an import the host does not implement, naming it", async () => {
    const bytes = module([{ name: "proxy_not_a_host_call", results: [I32] }], []);
    await expect(ProxyWasmHost.load(bytes)).rejects.toThrow(
      "Failed to load Wasm module due to a missing import: env.proxy_not_a_host_call",
    );
  });

  it("fails on a WASI import outside the implemented subset", async () => {
    const bytes = module([{ module: "wasi_snapshot_preview1", name: "path_open", params: [I32], results: [I32] }], []);
    await expect(ProxyWasmHost.load(bytes)).rejects.toThrow("missing import: wasi_snapshot_preview1.path_open");
  });

  it("fails on an import with the wrong signature", async () => {
    const bytes = module([{ name: "proxy_log", params: [I32, I32], results: [I32] }], []);
    await expect(ProxyWasmHost.load(bytes)).rejects.toThrow("import type mismatch: env.proxy_log");
  });

  it("offers proxy_get_log_level only to ABI 0.2.1 modules", async () => {
    const imports = [{ name: "proxy_get_log_level", params: [I32], results: [I32] }];
    const v020 = buildModule({ imports, functions: [{ name: "proxy_abi_version_0_2_0" }, ABI_AND_MALLOC[1]!] });
    await expect(ProxyWasmHost.load(v020)).rejects.toThrow("missing import: env.proxy_get_log_level");
    await expect(ProxyWasmHost.load(module(imports, []))).resolves.toBeInstanceOf(ProxyWasmHost);
  });

  it("requires an ABI version marker and malloc", async () => {
    await expect(ProxyWasmHost.load(buildModule({ functions: [ABI_AND_MALLOC[1]!] }))).rejects.toThrow(
      "Missing or unknown Proxy-Wasm ABI version",
    );
    await expect(ProxyWasmHost.load(buildModule({ functions: [ABI_AND_MALLOC[0]!] }))).rejects.toThrow(
      "missing malloc function",
    );
  });

  it("rejects a callback exported with the wrong signature", async () => {
    const bad = { name: "proxy_on_request_headers", params: [I32, I32], results: [I32] };
    await expect(ProxyWasmHost.load(module([], [bad]))).rejects.toThrow(
      "Bad function signature for: proxy_on_request_headers",
    );
  });
});

describe("start-up and traps", () => {
  const log = { name: "proxy_log", params: [I32, I32, I32], results: [I32] };

  it("runs _initialize (not _start) and allows logging there", async () => {
    const say = (level: number): number[] => [...op.i32Const(level), ...op.i32Const(0), ...op.i32Const(0), ...op.call(0), op.drop];
    const bytes = module([log], [{ name: "_initialize", body: say(LogLevel.Info) }, { name: "_start", body: say(LogLevel.Warn) }]);
    const host = await ProxyWasmHost.load(bytes);
    expect(host.logs.map((l) => [l.level, l.contextId])).toEqual([[LogLevel.Info, 0]]);
  });

  it("traps host calls that start-up may not make", async () => {
    const tick = { name: "proxy_set_tick_period_milliseconds", params: [I32], results: [I32] };
    const bytes = module([tick], [{ name: "_start", body: [...op.i32Const(5), ...op.call(0), op.drop] }]);
    await expect(ProxyWasmHost.load(bytes)).rejects.toThrow(
      /Function: _start failed: restricted_callback \(env.proxy_set_tick_period_milliseconds\)/,
    );
  });

  it("surfaces a trap with the callback's name and fails the VM", async () => {
    const host = await ProxyWasmHost.load(module([], [onRequestHeaders([op.unreachable])]));
    const { rootId } = host.startPlugin();
    expect(() => host.httpRequest(rootId, { requestHeaders: [[":path", "/"]] })).toThrow(
      /^Function: proxy_on_request_headers failed: RuntimeError: unreachable/,
    );
    expect(host.failure).toMatch(/proxy_on_request_headers/);
    expect(() => host.startPlugin()).toThrow(/the Wasm VM has failed: Function: proxy_on_request_headers/);
  });

  it("attributes a trap inside malloc to the callback that made the host call", async () => {
    const getBuffer = { name: "proxy_get_buffer_bytes", params: [I32, I32, I32, I32, I32], results: [I32] };
    const vmStart = {
      name: "proxy_on_vm_start", params: [I32, I32], results: [I32],
      body: [...op.i32Const(6), ...op.i32Const(0), ...op.i32Const(100), ...op.i32Const(0), ...op.i32Const(4), ...op.call(0)],
    };
    const bytes = buildModule({
      imports: [getBuffer],
      functions: [ABI_AND_MALLOC[0]!, { name: "malloc", params: [I32], results: [I32], body: [op.unreachable] }, vmStart],
    });
    const host = await ProxyWasmHost.load(bytes, { vmConfig: "abc" });
    expect(() => host.startPlugin()).toThrow("Function: proxy_on_vm_start failed: malloc failed: RuntimeError: unreachable");
  });

  it("falls back to proxy_on_memory_allocate when malloc is absent", async () => {
    const getBuffer = { name: "proxy_get_buffer_bytes", params: [I32, I32, I32, I32, I32], results: [I32] };
    const bytes = buildModule({
      imports: [getBuffer],
      functions: [
        ABI_AND_MALLOC[0]!,
        { name: "proxy_on_memory_allocate", params: [I32], results: [I32], body: op.i32Const(2048) },
        onRequestHeaders([...op.i32Const(6), ...op.i32Const(0), ...op.i32Const(100), ...op.i32Const(64), ...op.i32Const(68), ...op.call(0)]),
      ],
    });
    const host = await ProxyWasmHost.load(bytes, { vmConfig: "abc" });
    const { rootId } = host.startPlugin();
    expect(host.httpRequest(rootId, { requestHeaders: [] }).action).toBe(WasmResult.Ok);
    expect(new TextDecoder().decode(host.state.mem.read(2048, 3)!)).toBe("abc");
    expect(new DataView(host.state.mem.read(64, 8)!.buffer).getUint32(0, true)).toBe(2048);
  });

  it("answers INVALID_MEMORY_ACCESS and BAD_ARGUMENT instead of crashing", async () => {
    const call = (level: number, ptr: number, size: number): number[] => [
      ...op.i32Const(level), ...op.i32Const(ptr), ...op.i32Const(size), ...op.call(0),
    ];
    for (const [args, expected] of [
      [[LogLevel.Info, -16, 100], WasmResult.InvalidMemoryAccess],
      [[6, 0, 0], WasmResult.BadArgument],
      [[LogLevel.Info, 0, 0], WasmResult.Ok],
    ] as const) {
      const host = await ProxyWasmHost.load(module([log], [onRequestHeaders(call(args[0], args[1], args[2]))]));
      const { rootId } = host.startPlugin();
      expect(host.httpRequest(rootId, { requestHeaders: [] }).action).toBe(expected);
    }
  });
});
