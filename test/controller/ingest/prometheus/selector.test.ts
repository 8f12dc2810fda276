import { describe, expect, it } from "vitest";
import type { Sample } from "../../../../controller/ingest/prometheus/exposition.js";
import { parseSelector, selects } from "../../../../controller/ingest/prometheus/selector.js";

const sample = (name: string, labels: Record<string, string>): Sample => ({ name, labels, value: 1 });

function selector(text: string) {
  const { value, error } = parseSelector(text, "readings.pv_watts");
  if (error) throw error;
  return value;
}

describe("series selectors", () => {
  it("selects by metric name alone", () => {
    const s = selector(" kepler_node_cpu_watts ");
    expect(s).toMatchObject({ metric: "kepler_node_cpu_watts", matchers: [], text: "kepler_node_cpu_watts" });
    expect(selects(s, sample("kepler_node_cpu_watts", { zone: "package" }))).toBe(true);
    expect(selects(s, sample("kepler_node_cpu_joules_total", {}))).toBe(false);
  });

  it("applies =, !=, =~ and !~, regexes anchored, absent labels as empty", () => {
    const s = selector('sunspec_inverter_ac_power_watts{ inverter=~"1|2", site!="lab", model!~"test.*", phase="" ,}');
    expect(s.matchers.map((m) => [m.label, m.op, m.value])).toEqual([
      ["inverter", "=~", "1|2"], ["site", "!=", "lab"], ["model", "!~", "test.*"], ["phase", "=", ""],
    ]);
    const m = "sunspec_inverter_ac_power_watts";
    expect(selects(s, sample(m, { inverter: "1", model: "Symo" }))).toBe(true);
    expect(selects(s, sample(m, { inverter: "12" }))).toBe(false); // anchored: "12" is not "1|2"
    expect(selects(s, sample(m, { inverter: "2", site: "lab" }))).toBe(false);
    expect(selects(s, sample(m, { inverter: "2", model: "test-rig" }))).toBe(false);
    expect(selects(s, sample(m, { inverter: "2", phase: "a" }))).toBe(false);
  });

  it("reads escaped quotes in matcher values", () => {
    const s = selector('m{model="Fronius \\"Symo\\""}');
    expect(selects(s, sample("m", { model: 'Fronius "Symo"' }))).toBe(true);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["an empty selector", "", /expected a metric name/],
    ["a PromQL expression", "sum(m)", /unexpected '\(m\)'/],
    ["an unclosed brace", 'm{a="1"', /expected ',' or '}'/],
    ["a bad operator", 'm{a=="1"}', /expected '"'/],
    ["no operator", 'm{a "1"}', /expected =, !=, =~ or !~ after 'a'/],
    ["an unquoted value", "m{a=1}", /expected '"'/],
    ["a bad regex", 'm{a=~"("}', /bad regular expression for 'a'/],
    ["text after the braces", 'm{a="1"} offset 5m', /unexpected ' offset 5m'/],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      const { error } = parseSelector(text, "readings.pv_watts");
      expect(error?.field).toBe("readings.pv_watts");
      expect(error?.message).toMatch(message);
    });
  }
});
