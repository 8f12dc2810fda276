// Plugin-defined metrics with Envoy's semantics (source/extensions/common/wasm/context.cc):
// ids carry the type in their low two bits and step by 4 per type, starting at 4/5/6; every
// define returns a fresh id, but ids defined with the same type and name share one stat.
// Counters only go up; gauges take signed deltas; histograms only record.
import { METRIC_TYPE_MAX, MetricType, WasmResult } from "./abi.js";

const TYPE_MASK = 0x3;
const ID_INCREMENT = 4;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

export interface Metric {
  name: string;
  type: MetricType;
  /** Counter/gauge value; for a histogram, the number of recorded samples. */
  value: bigint;
  samples: bigint[];
}

export interface MetricSnapshot {
  type: "counter" | "gauge" | "histogram";
  value: bigint;
  samples?: bigint[];
}

const TYPE_NAMES = ["counter", "gauge", "histogram"] as const;

export class Metrics {
  private readonly byName = new Map<string, Metric>();
  private readonly byId = new Map<number, Metric>();
  private readonly nextId = [MetricType.Counter, MetricType.Gauge, MetricType.Histogram];

  define(type: number, name: string): { result: WasmResult; id: number } {
    if (type < 0 || type > METRIC_TYPE_MAX) return { result: WasmResult.BadArgument, id: 0 };
    const key = `${type}\0${name}`;
    let metric = this.byName.get(key);
    if (metric === undefined) {
      metric = { name, type, value: 0n, samples: [] };
      this.byName.set(key, metric);
    }
    const id = (this.nextId[type]! += ID_INCREMENT) >>> 0;
    this.byId.set(id, metric);
    return { result: WasmResult.Ok, id };
  }

  increment(id: number, delta: bigint): WasmResult {
    const type = id & TYPE_MASK;
    if (type === MetricType.Counter || type === MetricType.Gauge) {
      const m = this.byId.get(id >>> 0);
      if (m === undefined) return WasmResult.NotFound;
      if (type === MetricType.Counter && delta <= 0n) return WasmResult.BadArgument;
      m.value = U64(m.value + delta);
      return WasmResult.Ok;
    }
    return WasmResult.BadArgument;
  }

  record(id: number, value: bigint): WasmResult {
    const m = this.byId.get(id >>> 0);
    if (m === undefined || (id & TYPE_MASK) > METRIC_TYPE_MAX) return WasmResult.NotFound;
    const v = U64(value);
    if (m.type === MetricType.Counter) m.value = U64(m.value + v);
    else if (m.type === MetricType.Gauge) m.value = v;
    else {
      m.samples.push(v);
      m.value = BigInt(m.samples.length);
    }
    return WasmResult.Ok;
  }

  get(id: number): { result: WasmResult; value: bigint } {
    const type = id & TYPE_MASK;
    if (type !== MetricType.Counter && type !== MetricType.Gauge) {
      return { result: WasmResult.BadArgument, value: 0n };
    }
    const m = this.byId.get(id >>> 0);
    return m === undefined ? { result: WasmResult.NotFound, value: 0n } : { result: WasmResult.Ok, value: m.value };
  }

  /** First metric with this name (any type), for test assertions. */
  find(name: string): Metric | undefined {
    for (const m of this.byName.values()) if (m.name === name) return m;
    return undefined;
  }

  snapshot(): Record<string, MetricSnapshot> {
    const out: Record<string, MetricSnapshot> = {};
    for (const m of this.byName.values()) {
      const entry: MetricSnapshot = { type: TYPE_NAMES[m.type], value: m.value };
      if (m.type === MetricType.Histogram) entry.samples = m.samples.slice();
      out[m.name] = entry;
    }
    return out;
  }
}
