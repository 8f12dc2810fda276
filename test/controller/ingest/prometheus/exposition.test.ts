import { describe, expect, it } from "vitest";
import { familyOf, parseExposition, parseFloatToken } from "../../../../controller/ingest/prometheus/exposition.js";

const full = [
  "# A plain comment, ignored",
  "# HELP sunspec_inverter_ac_power_watts AC output, \\\\ and \\n escaped in help text",
  "# TYPE sunspec_inverter_ac_power_watts gauge",
  'sunspec_inverter_ac_power_watts{inverter="1",model="Fronius \\"Symo\\""} 4200.5',
  'sunspec_inverter_ac_power_watts{inverter="2", path="C:\\\\pv\\nline",} 1.5e3 1718971200000',
  "",
  "   # TYPE rapl_joules_total counter",
  "rapl_joules_total\t+Inf",
  "no_labels NaN",
  "braces{} -Inf -5",
  "# TYPE latency_seconds histogram",
  'latency_seconds_bucket{le="+Inf"} 3',
  "latency_seconds_sum .25",
  "latency_seconds_count 3",
  "",
].join("\n");

describe("text exposition format 0.0.4", () => {
  it("reads samples, labels with escapes, special values, timestamps and types", () => {
    const { value, error } = parseExposition(full);
    expect(error).toBeUndefined();
    expect(value!.samples).toEqual([
      { name: "sunspec_inverter_ac_power_watts", labels: { inverter: "1", model: 'Fronius "Symo"' }, value: 4200.5 },
      { name: "sunspec_inverter_ac_power_watts", labels: { inverter: "2", path: "C:\\pv\nline" }, value: 1500, timestampMs: 1718971200000 },
      { name: "rapl_joules_total", labels: {}, value: Number.POSITIVE_INFINITY },
      { name: "no_labels", labels: {}, value: Number.NaN },
      { name: "braces", labels: {}, value: Number.NEGATIVE_INFINITY, timestampMs: -5 },
      { name: "latency_seconds_bucket", labels: { le: "+Inf" }, value: 3 },
      { name: "latency_seconds_sum", labels: {}, value: 0.25 },
      { name: "latency_seconds_count", labels: {}, value: 3 },
    ]);
    expect([...value!.types]).toEqual([
      ["sunspec_inverter_ac_power_watts", "gauge"], ["rapl_joules_total", "counter"], ["latency_seconds", "histogram"],
    ]);
    expect(familyOf("latency_seconds_bucket", value!.types)).toBe("latency_seconds");
    expect(familyOf("rapl_joules_total", value!.types)).toBe("rapl_joules_total");
    expect(familyOf("other_sum", value!.types)).toBe("other_sum");
  });

  it("accepts an empty document and a label named like an Object property", () => {
    expect(parseExposition("").value?.samples).toEqual([]);
    const { value } = parseExposition('m{__proto__="x",constructor="y"} 1');
    expect(Object.getPrototypeOf(value!.samples[0]!.labels)).toBe(Object.prototype);
    expect(value!.samples[0]!.labels).toEqual(JSON.parse('{"__proto__":"x","constructor":"y"}'));
  });

  it("reads value tokens as Prometheus does", () => {
    expect(parseFloatToken("-0.5e-3")).toBe(-0.0005);
    expect(parseFloatToken("+Inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseFloatToken("-Inf")).toBe(Number.NEGATIVE_INFINITY);
    expect(parseFloatToken("NaN")).toBeNaN();
    for (const bad of ["", "1,5", "0x10", "1e", "one", "Infinity1"]) expect(parseFloatToken(bad)).toBeUndefined();
  });

  const bad: Array<[string, string, RegExp]> = [
    ["a name without a value", "ok 1\nlonely", /^line 2: expected a value after 'lonely'/],
    ["a value that is no number", "m abc", /^line 1: 'abc' is not a number/],
    ["a value glued to the labels", 'm{a="b"}1', /^line 1: expected a value/],
    ["an unterminated label value", 'm{a="b} 1', /^line 1: unterminated label value/],
    ["an unknown escape", 'm{a="\\t"} 1', /^line 1: unknown escape '\\t'/],
    ["an unquoted label value", "m{a=b} 1", /^line 1: expected '"'/],
    ["a bad label name", 'm{1a="b"} 1', /^line 1: expected a label name/],
    ["a duplicate label", 'm{a="1",a="2"} 1', /^line 1: duplicate label 'a'/],
    ["a missing comma", 'm{a="1" b="2"} 1', /^line 1: expected ',' or '}'/],
    ["a fractional timestamp", "m 1 1.5", /^line 1: '1.5' is not a millisecond timestamp/],
    ["a token after the timestamp", "m 1 2 3", /^line 1: unexpected '3'/],
    ["a bad metric name", "1m 1", /^line 1: expected a metric name/],
    ["an unknown type", "# TYPE m gauges\nm 1", /^line 1: unknown metric type 'gauges'/],
    ["a TYPE without a name", "# TYPE", /^line 1: TYPE needs a metric name/],
    ["a second TYPE", "# TYPE m gauge\n# TYPE m counter", /^line 2: second TYPE for 'm'/],
    ["a second HELP", "# HELP m a\n# HELP m b", /^line 2: second HELP for 'm'/],
    ["a TYPE after its samples", "m 1\n# TYPE m gauge", /^line 2: TYPE for 'm' after its samples/],
    ["a duplicate series", 'm{a="1",b="2"} 1\n\nm{b="2",a="1"} 2', /^line 3: duplicate series for 'm'/],
    ["a carriage return", "m 1\r\n", /^line 1: /],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name}, with the line number`, () => {
      const { error } = parseExposition(text);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.message).toMatch(message);
    });
  }
});
