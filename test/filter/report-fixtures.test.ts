// The report golden vectors (test/fixtures/reports/), which pin the filter's encoder and the
// controller's decoder to the same bytes: the compiled filter still sends exactly those bytes for
// each scenario, the controller's decoder reads in them what the scenario sent, and refuses every
// invalid vector naming its one field.
import { describe, expect, it } from "vitest";
import { decodeReport, encodeReport } from "./report-codec.js";
import { SCENARIOS, loadReportVectors } from "./report-vectors.js";

const vectors = loadReportVectors();
const REGENERATE = "regenerate with `npx tsx scripts/make-report-fixtures.ts` if the format or a scenario changed on purpose";

describe("report golden vectors", () => {
  it("cover every scenario and every field a decoder checks", () => {
    const accepted = vectors.filter((v) => v.expect === "accept").map((v) => v.file);
    expect(accepted).toEqual([...SCENARIOS.map((s) => `${s.name}.bin`), "empty.bin"]);
    const fields = new Set(vectors.flatMap((v) => (v.expect === "reject" ? [v.field.replace(/\.\d+/, ".N")] : [])));
    expect([...fields].sort()).toEqual([
      "report.bucket_count", "report.crc32", "report.entries", "report.entries.N", "report.entries.N.counts",
      "report.entries.N.latency_buckets", "report.entries.N.responses_5xx", "report.entries.N.service",
      "report.entries.N.table_version", "report.entries.N.upstream", "report.entry_count", "report.flags", "report.format",
      "report.length", "report.magic", "report.reporter", "report.reserved", "report.total_length", "report.window_end_ms",
    ]);
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the filter sends the golden bytes, and they hold what was sent`, async () => {
      const vector = vectors.find((v) => v.file === `${scenario.name}.bin`)!;
      const { bytes, expected } = await scenario.run();
      expect(Buffer.from(bytes).toString("hex"), REGENERATE).toBe(Buffer.from(vector.bytes).toString("hex"));
      expect(decodeReport(vector.bytes).value).toEqual(expected);
      expect(vector.expect === "accept" && vector.report).toEqual(expected);
    });
  }

  it("empty: a report without entries decodes", () => {
    const vector = vectors.find((v) => v.file === "empty.bin")!;
    expect(vector.expect === "accept" && decodeReport(vector.bytes).value).toEqual(vector.expect === "accept" && vector.report);
  });

  it("the controller's encoder writes the bytes the filter writes", () => {
    for (const vector of vectors) {
      if (vector.expect === "accept") expect(encodeReport(vector.report), vector.file).toEqual(vector.bytes);
    }
  });

  for (const vector of vectors) {
    if (vector.expect !== "reject") continue;
    it(`${vector.file}: refused naming ${vector.field} (${vector.about})`, () => {
      const { error } = decodeReport(vector.bytes);
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe(vector.field);
    });
  }
});
