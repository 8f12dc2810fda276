import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../../../bench/simulator/scenario/csv-records.js";
import { assertColumnRange, assertMaxGap, parseTraceCsv } from "../../../../bench/simulator/scenario/trace-csv.js";

const ISO = { column: "time" };
const read = (text: string, columns = ["a"], time: { column: string; secondsFromMs?: number } = ISO) =>
  parseTraceCsv("t.csv", text, time, columns);

describe("parseCsv", () => {
  it("reads quoted fields with commas, escaped quotes and line breaks, LF and CRLF", () => {
    const table = parseCsv("q.csv", 'x,"y, z"\r\n"a ""b""",2\n"multi\nline",3\n4,""\n');
    expect(table.header).toEqual(["x", "y, z"]);
    expect(table.records).toEqual([
      { line: 2, fields: ['a "b"', "2"] },
      { line: 3, fields: ["multi\nline", "3"] },
      { line: 5, fields: ["4", ""] },
    ]);
  });

  it("property: any table written with quotes where needed reads back the same", () => {
    const cell = fc.string({ unit: fc.constantFrom("a", "1", ",", '"', "\n", " ", "é"), maxLength: 6 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }).chain((width) =>
      fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 })), fc.boolean(), (rows, crlf) => {
      const encode = (c: string) => (/[",\n]/.test(c) || c === "" ? `"${c.replaceAll('"', '""')}"` : c);
      const eol = crlf ? "\r\n" : "\n";
      const text = rows.map((r) => r.map(encode).join(",")).join(eol) + eol;
      const table = parseCsv("p.csv", text);
      expect([table.header, ...table.records.map((r) => r.fields)]).toEqual(rows);
    }));
  });

  it("takes a last line without a line break, and a byte-order mark", () => {
    expect(parseCsv("q.csv", "\uFEFFa,b\n1,2").records).toEqual([{ line: 2, fields: ["1", "2"] }]);
  });

  it("refuses a record with the wrong number of fields, naming its line", () => {
    expect(() => parseCsv("q.csv", "a,b\n1,2\n3\n")).toThrow("q.csv:3: 1 fields, the header has 2");
    // A blank line inside the file is a record of one empty field, not something to skip.
    expect(() => parseCsv("q.csv", "a,b\n1,2\n\n3,4\n")).toThrow("q.csv:3: 1 fields");
  });

  it("refuses stray and unclosed quotes", () => {
    expect(() => parseCsv("q.csv", 'a,b\n1,x"y\n')).toThrow("q.csv:2: a quote inside unquoted field 2");
    expect(() => parseCsv("q.csv", 'a,b\n1,"x"y\n')).toThrow("q.csv:2: text after the closing quote of field 2");
    expect(() => parseCsv("q.csv", 'a,b\n1,"x\n2,3\n')).toThrow("q.csv:2: a quoted field is never closed");
    expect(() => parseCsv("q.csv", "")).toThrow("q.csv: empty file");
  });
});

describe("parseTraceCsv", () => {
  it("reads ISO times in both forms, the chosen columns, and the most common interval", () => {
    const t = read("time,a,b\n2022-06-08 00:05:00,1.5,x\n2022-06-08T00:10:00Z,2,y\n2022-06-08 00:20:00,-3e-1,z\n");
    expect([...t.timesMs]).toEqual([Date.UTC(2022, 5, 8, 0, 5), Date.UTC(2022, 5, 8, 0, 10), Date.UTC(2022, 5, 8, 0, 20)]);
    expect([...t.lines]).toEqual([2, 3, 4]);
    expect([...t.columns.get("a")!.values]).toEqual([1.5, 2, -0.3]);
    expect(t.columns.get("a")!.index).toBe(2);
    expect(t.columns.has("b")).toBe(false); // not asked for, not read
    expect(t.intervalMs).toBe(300_000); // ties go to the shorter spacing
  });

  it("reads seconds from a start given by the scenario", () => {
    const start = Date.UTC(2022, 5, 8);
    const t = read("time,a\n0,1\n3600,2\n7200.5,3\n", ["a"], { column: "time", secondsFromMs: start });
    expect([...t.timesMs]).toEqual([start, start + 3_600_000, start + 7_200_500]);
    expect(t.intervalMs).toBe(3_600_000);
  });

  const ok = "time,a\n2022-06-08 00:00:00,1\n";
  it.each([
    ["a missing column", ["zz"], ok + "2022-06-08 00:05:00,2\n", 't.csv:1: no column "zz" (columns: time, a)'],
    ["an empty cell", ["a"], ok + "2022-06-08 00:05:00,\n", 't.csv:3:2 (column "a"): empty cell'],
    ["a cell that is not a number", ["a"], ok + "2022-06-08 00:05:00,1.2.3\n", 't.csv:3:2 (column "a"): expected a number, got "1.2.3"'],
    ["NaN", ["a"], ok + "2022-06-08 00:05:00,NaN\n", 't.csv:3:2 (column "a"): "NaN" is not a finite number'],
    ["infinity", ["a"], ok + "2022-06-08 00:05:00,-Infinity\n", 't.csv:3:2 (column "a"): "-Infinity" is not a finite number'],
    ["a bad time", ["a"], ok + "2022-06-31 00:05:00,2\n", 't.csv:3:1 (column "time"): expected an ISO UTC time like 2022-06-08 00:05:00, got "2022-06-31 00:05:00"'],
    ["a duplicate time", ["a"], ok + "2022-06-08 00:00:00,2\n", 't.csv:3:1 (column "time"): duplicate time: 2022-06-08 00:00:00 after 2022-06-08 00:00:00 on line 2'],
    ["a time going back", ["a"], ok + "2022-06-07 23:55:00,2\n", 't.csv:3:1 (column "time"): time goes back: 2022-06-07 23:55:00 after 2022-06-08 00:00:00 on line 2'],
    ["a single row", ["a"], ok, "t.csv: 1 data rows, a trace needs at least 2"],
    ["an ambiguous column", ["a"], "time,a,a\n2022-06-08 00:00:00,1,2\n2022-06-08 00:05:00,1,2\n", 't.csv:1: column "a" is ambiguous: columns 2 and 3 have that name'],
  ])("refuses %s, naming file, line and column", (_what, columns, text, message) => {
    expect(() => read(text, columns)).toThrow(message);
  });

  it("refuses a value outside its unit's range and a gap over max_gap, naming the row", () => {
    const t = read("time,a\n2022-06-08 00:00:00,0.5\n2022-06-08 00:05:00,1.25\n2022-06-08 00:20:00,0\n");
    expect(() => assertColumnRange(t, "a", 0, 1, "fraction")).toThrow('t.csv:3:2 (column "a"): 1.25 is not a value in fraction (expected within 0..1)');
    expect(() => assertColumnRange(t, "a", 0, Infinity, "W")).not.toThrow();
    expect(() => assertMaxGap(t, 600_000)).toThrow("t.csv:4: 15 min since the row before (line 3), more than max_gap 10 min");
    expect(() => assertMaxGap(t, 900_000)).not.toThrow();
  });
});
