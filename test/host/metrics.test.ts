import { describe, expect, it } from "vitest";
import { MetricType, WasmResult } from "./abi.js";
import { Metrics } from "./metrics.js";

describe("Metrics (Envoy semantics)", () => {
  it("gives ids that carry the type in the low bits, stepping by 4 per type", () => {
    const m = new Metrics();
    expect(m.define(MetricType.Counter, "c1").id).toBe(4);
    expect(m.define(MetricType.Gauge, "g1").id).toBe(5);
    expect(m.define(MetricType.Histogram, "h1").id).toBe(6);
    expect(m.define(MetricType.Counter, "c2").id).toBe(8);
  });

  it("rejects an unknown metric type", () => {
    expect(new Metrics().define(3, "x").result).toBe(WasmResult.BadArgument);
  });

  it("defining a name again gives a new id bound to the same stat", () => {
    const m = new Metrics();
    const a = m.define(MetricType.Counter, "requests").id;
    const b = m.define(MetricType.Counter, "requests").id;
    expect(b).not.toBe(a);
    m.increment(a, 2n);
    m.increment(b, 3n);
    expect(m.get(a).value).toBe(5n);
    expect(m.get(b).value).toBe(5n);
    expect(m.find("requests")!.value).toBe(5n);
  });

  it("counters only go up; record adds to a counter", () => {
    const m = new Metrics();
    const id = m.define(MetricType.Counter, "c").id;
    expect(m.increment(id, 1n)).toBe(WasmResult.Ok);
    expect(m.increment(id, 0n)).toBe(WasmResult.BadArgument);
    expect(m.increment(id, -1n)).toBe(WasmResult.BadArgument);
    expect(m.record(id, 10n)).toBe(WasmResult.Ok);
    expect(m.get(id)).toEqual({ result: WasmResult.Ok, value: 11n });
  });

  it("gauges take signed deltas and record sets them", () => {
    const m = new Metrics();
    const id = m.define(MetricType.Gauge, "g").id;
    m.increment(id, 5n);
    m.increment(id, -2n);
    expect(m.get(id).value).toBe(3n);
    m.record(id, 42n);
    expect(m.get(id).value).toBe(42n);
  });

  it("histograms only record, and cannot be read back by the guest", () => {
    const m = new Metrics();
    const id = m.define(MetricType.Histogram, "h").id;
    expect(m.record(id, 7n)).toBe(WasmResult.Ok);
    expect(m.increment(id, 1n)).toBe(WasmResult.BadArgument);
    expect(m.get(id).result).toBe(WasmResult.BadArgument);
    expect(m.snapshot()["h"]).toEqual({ type: "histogram", value: 1n, samples: [7n] });
  });

  it("reports unknown ids as NOT_FOUND", () => {
    const m = new Metrics();
    expect(m.increment(404, 1n)).toBe(WasmResult.NotFound);
    expect(m.record(404, 1n)).toBe(WasmResult.NotFound);
    expect(m.get(404).result).toBe(WasmResult.NotFound);
  });
});
