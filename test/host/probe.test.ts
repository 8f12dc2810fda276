import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilterHeadersStatus, LogLevel, StreamType, WasmResult } from "./abi.js";
import { compileProbe, removeBuilt } from "./fixtures/compile.js";
import type { HostOptions } from "./host-state.js";
import { ProxyWasmHost } from "./proxy-wasm-host.js";

// The probe plugin (fixtures/probe/probe.ts) logs what the host answered; these tests drive it
// through the host and assert on both the host's records and the plugin's view.

let probe: string;
beforeAll(async () => {
  probe = await compileProbe();
});
afterAll(removeBuilt);

async function start(pluginConfig = "", options: HostOptions = {}) {
  const host = await ProxyWasmHost.load(probe, { vmConfig: "vmcfg", ...options });
  const plugin = host.startPlugin({ pluginConfig });
  return { host, rootId: plugin.rootId, plugin };
}

const messages = (host: ProxyWasmHost): string[] => host.logs.map((l) => l.message);

describe("plugin lifecycle", () => {
  it("creates, starts and configures the root context; plugin config is readable only in on_configure", async () => {
    const { host, plugin } = await start("hello");
    expect(plugin).toEqual({ rootId: 1, started: true, configured: true });
    expect(host.callbacks.map((c) => c.name)).toEqual(["proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure"]);
    expect(messages(host)).toContain("vm_start root=1 size=5 vm=vmcfg plugin=<1>");
    expect(messages(host)).toContain("configure root=1 size=5 config=hello");
  });

  it("leaves a plugin that rejects its configuration unconfigured", async () => {
    const { host, plugin } = await start("reject");
    expect(plugin.configured).toBe(false);
    expect(() => host.openHttpStream(plugin.rootId)).toThrow("not configured");
  });

  it("deletes a finished plugin, or waits for proxy_done when on_done defers", async () => {
    const plain = await start();
    expect(plain.host.stopPlugin(plain.rootId)).toEqual({ done: true });
    expect(plain.host.callbacks.slice(-2).map((c) => c.name)).toEqual(["proxy_on_done", "proxy_on_delete"]);

    const { host, rootId } = await start("defer-done");
    host.tick(rootId);
    expect(messages(host)).toContain(`proxy_done=${WasmResult.NotFound}`);
    expect(host.stopPlugin(rootId)).toEqual({ done: false });
    expect(host.callbacks.at(-1)!.name).toBe("proxy_on_done");
    host.tick(rootId);
    expect(messages(host)).toContain(`proxy_done=${WasmResult.Ok}`);
    // on_delete runs once the tick that called proxy_done has returned.
    expect(host.callbacks.slice(-2).map((c) => c.name)).toEqual(["proxy_on_tick", "proxy_on_delete"]);
    expect(() => host.tick(rootId)).toThrow("no plugin context");
  });
});

describe("HTTP streams", () => {
  it("runs a stream in Envoy's order and applies the plugin's header changes", async () => {
    const { host, rootId } = await start();
    const result = host.httpRequest(rootId, {
      requestHeaders: [[":path", "/x"], [":method", "GET"], ["X-Replace", "old"], ["x-replace", "old2"], ["X-Remove", "bye"]],
      requestBody: "body",
      responseHeaders: [[":status", "200"]],
    });
    expect(result.callbacks).toEqual([
      "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_response_headers",
      "proxy_on_log", "proxy_on_done", "proxy_on_delete",
    ]);
    expect(host.callbacks.find((c) => c.name === "proxy_on_request_headers")!.args).toEqual([2, 5, 0]);
    expect(result.action).toBe(0);
    expect(result.status).toBe(FilterHeadersStatus.Continue);
    expect(result.requestHeaders).toEqual([[":path", "/x"], [":method", "GET"], ["x-probe", "1"], ["x-replace", "new"]]);
    expect(result.responseHeaders).toEqual([[":status", "200"], ["x-probe-response", "1"]]);
    expect(result.localResponse).toBeNull();
    expect(host.localResponses).toEqual([]);
    const log = messages(host);
    // Envoy's proxy_get_header_map_size is the byte size; response headers are not there yet.
    expect(log).toContain(`pairs=4 bytes=37 response-status=<${WasmResult.BadArgument}>`);
    // Once on_request_headers continued, the request headers are out of reach.
    expect(log).toContain(`response_headers 2 count=1 request-path=<${WasmResult.BadArgument}>`);
    // In on_log they are readable but not writable.
    expect(log).toContain(`on_log 2 path=/x status=200 add=${WasmResult.BadArgument}`);
  });

  it("stops a request answered locally even when the callback returned Continue", async () => {
    const { host, rootId } = await start();
    const result = host.httpRequest(rootId, { requestHeaders: [[":path", "/deny"]], responseHeaders: [[":status", "200"]] });
    expect(result.action).toBe(0);
    expect(result.status).toBe(FilterHeadersStatus.StopAllIterationAndWatermark);
    expect(result.paused).toBe(false);
    expect(result.localResponse).toMatchObject({
      contextId: result.contextId, statusCode: 403, details: "denied_by_probe", bodyText: "go away",
      headers: [["x-reason", "probe"]], grpcStatus: -1,
    });
    expect(host.localResponses).toHaveLength(1);
    expect(result.callbacks).not.toContain("proxy_on_response_headers");
    expect(messages(host)).toContain(`on_log ${result.contextId} path=/deny status=<${WasmResult.NotFound}> add=0`);
  });

  it("skips stream callbacks the plugin does not export", async () => {
    const { host, rootId } = await start();
    const stream = host.openHttpStream(rootId);
    expect(stream.requestHeaders([[":path", "/x"]], false).status).toBe(FilterHeadersStatus.Continue);
    expect(stream.requestBody("chunk")).toEqual({ action: null, status: 0, localResponse: null });
    expect(stream.requestTrailers([["t", "1"]]).action).toBeNull();
    stream.complete();
    expect(stream.completed).toBe(true);
    expect(stream.callbacks).not.toContain("proxy_on_request_body");
  });
});

describe("HTTP calls", () => {
  it("records the call, delivers the response to the plugin context and lets the plugin resume", async () => {
    const { host, rootId } = await start();
    const result = host.httpRequest(rootId, { requestHeaders: [[":path", "/call"]], keepOpen: true });
    expect(result.action).toBe(1);
    expect(result.status).toBe(FilterHeadersStatus.StopAllIterationAndWatermark);
    expect(result.paused).toBe(true);
    const [call] = host.pendingHttpCalls();
    expect(call).toMatchObject({
      token: 4, rootContextId: rootId, callerContextId: result.contextId, cluster: "auth", timeoutMs: 500, trailers: [],
      headers: [[":method", "GET"], [":path", "/check"], [":authority", "auth.local"], ["content-length", "4"]],
    });
    expect(new TextDecoder().decode(call!.body)).toBe("ping");

    host.respondToHttpCall(call!.token, { headers: [[":status", "200"]], body: "ok" });
    expect(host.callbacks.at(-1)).toEqual({ name: "proxy_on_http_call_response", contextId: rootId, args: [rootId, 4, 1, 2, 0] });
    expect(messages(host)).toContain(`verdict=200:ok effective=${WasmResult.Ok}`);
    expect(result.stream.requestPaused).toBe(false);
    expect(result.stream.requestHeaderMap!.get("x-auth")).toBe("200:ok");
    expect(host.streamControls).toEqual([{ contextId: result.contextId, op: "continue", streamType: StreamType.HttpRequest }]);
    expect(host.pendingHttpCalls()).toEqual([]);
    result.stream.complete();
    expect(result.stream.callbacks.slice(-3)).toEqual(["proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
  });

  it("delivers a failed call as zero headers and body, with status BrokenConnection/reset", async () => {
    const { host, rootId } = await start();
    const result = host.httpRequest(rootId, {
      requestHeaders: [[":path", "/call"]],
      onPause: () => host.failHttpCall(host.pendingHttpCalls()[0]!.token),
    });
    expect(host.callbacks.find((c) => c.name === "proxy_on_http_call_response")!.args).toEqual([rootId, 4, 0, 0, 0]);
    expect(result.paused).toBe(false);
    expect(result.requestHeaders).toContainEqual(["x-auth", `failed:${WasmResult.BrokenConnection}:reset`]);
  });

  it("refuses a call without :authority, or to an unknown cluster, with BAD_ARGUMENT", async () => {
    const { host, rootId } = await start();
    host.httpRequest(rootId, { requestHeaders: [[":path", "/bad-call"]] });
    expect(messages(host)).toContain(`http_call result=${WasmResult.BadArgument} token=0`);
    const limited = await start("", { clusters: ["other"] });
    limited.host.httpRequest(limited.rootId, { requestHeaders: [[":path", "/call"]] });
    expect(messages(limited.host)).toContain(`http_call result=${WasmResult.BadArgument} token=0`);
    expect(host.pendingHttpCalls()).toEqual([]);
  });
});

describe("shared data, metrics, properties, time", () => {
  it("gives the plugin the test's value and cas, and enforces CAS on its writes", async () => {
    const { host, rootId } = await start();
    host.httpRequest(rootId, { requestHeaders: [[":path", "/shared"]] });
    expect(messages(host)).toContain("shared get=1 value= cas=-");
    expect(messages(host)).toContain(`shared set=0 stale=${WasmResult.CasMismatch}`);

    host.sharedData.set("shared-key", "v0");
    const { cas } = host.sharedData.get("shared-key")!;
    host.httpRequest(rootId, { requestHeaders: [[":path", "/shared"]] });
    expect(messages(host)).toContain(`shared get=0 value=v0 cas=${cas}`);
    expect(host.sharedData.get("shared-key")!.text).toBe("from-guest");
    // The miss copied nothing; the hit copied "v0".
    expect(host.sharedDataCopied("shared-key")).toEqual({ reads: 1, bytes: 2 });
    expect(host.sharedDataCopied()).toEqual({ reads: 1, bytes: 2 });
    expect(host.sharedDataCopied("other-key")).toEqual({ reads: 0, bytes: 0 });
  });

  it("shares one stat between ids defined with the same name, as Envoy does", async () => {
    const { host, rootId } = await start();
    expect(messages(host)).toContain("metric ids 4 8 5 6");
    host.httpRequest(rootId, { requestHeaders: [[":path", "/x"]] });
    host.httpRequest(rootId, { requestHeaders: [[":path", "/x"]] });
    expect(host.metric("probe.requests")).toBe(2n);
    expect(host.metrics()).toEqual({
      "probe.requests": { type: "counter", value: 2n },
      "probe.ticks": { type: "counter", value: 0n },
      "probe.inflight": { type: "gauge", value: 0n },
      "probe.latency": { type: "histogram", value: 2n, samples: [42n, 42n] },
    });
  });

  it("serves properties set by the test, with '\\0'-separated paths", async () => {
    const { host, rootId } = await start("", { properties: { plugin_name: "probe" } });
    host.setProperty(["node", "id"], "n1");
    host.httpRequest(rootId, { requestHeaders: [[":path", "/props"]] });
    expect(messages(host)).toContain(`props name=probe nested=n1 missing=<${WasmResult.NotFound}>`);
  });

  it("fires ticks on the plugin's period as time advances, from an injected clock", async () => {
    const { host, rootId } = await start("tick=100", { clock: () => 1_000_000_000n });
    expect(host.tickPeriod(rootId)).toBe(100);
    expect(host.advanceTime(250)).toBe(2);
    expect(host.advanceTime(49)).toBe(0);
    expect(host.advanceTime(1)).toBe(1);
    expect(host.metric("probe.ticks")).toBe(3n);
    expect(host.findLogs(/^tick /).map((l) => l.message)).toEqual([
      "tick 1 now=1100000000", "tick 1 now=1200000000", "tick 1 now=1300000000",
    ]);
    expect(host.now()).toBe(1_300_000_000n);
  });

  it("drops log lines below the host's log level", async () => {
    const { host } = await start("", { logLevel: LogLevel.Info });
    expect(host.logs.every((l) => l.level >= LogLevel.Info)).toBe(true);
    expect(host.logs.length).toBeGreaterThan(0);
  });
});

describe("traps and the benchmark path", () => {
  it("names the callback that trapped and refuses to drive a failed VM", async () => {
    const { host, rootId } = await start();
    expect(() => host.httpRequest(rootId, { requestHeaders: [[":path", "/trap"]] })).toThrow(
      /^Function: proxy_on_request_headers failed: RuntimeError: unreachable/,
    );
    expect(() => host.httpRequest(rootId, { requestHeaders: [[":path", "/x"]] })).toThrow("the Wasm VM has failed");
    expect(() => host.advanceTime(1)).toThrow("the Wasm VM has failed");
  });

  it("runs the full callback sequence per prepared request", async () => {
    const { host, rootId } = await start("", { logLevel: LogLevel.Warn });
    const ok = host.runPreparedRequests(rootId, host.prepareRequest([[":path", "/x"]], [[":status", "200"]]), 300);
    expect(ok).toMatchObject({ iterations: 300, continued: 300, stopped: 0, localResponses: 0, lastAction: 0 });
    const denied = host.runPreparedRequests(rootId, host.prepareRequest([[":path", "/deny"]]), 200);
    expect(denied).toMatchObject({ continued: 0, stopped: 200, localResponses: 200, lastStatus: 4 });
    expect(host.metric("probe.requests")).toBe(500n);
    expect(host.metric("probe.inflight")).toBe(0n);
    expect(host.localResponses).toEqual([]);
    expect(host.state.contexts.size).toBe(2);
  });
});
