// `kind: api`: ask a Prometheus server (or anything serving its HTTP API: Thanos, Mimir,
// VictoriaMetrics) one PromQL instant query per field, all evaluated at the same instant. Each
// answer must be a scalar or a vector of exactly one sample; several samples are ambiguous, not
// summed, because only the query's author knows whether adding them makes sense.
import { z } from "zod";
import { parseFloatToken } from "./exposition.js";
import { httpGet } from "./http-get.js";
import { failure, type FieldValues, type ScrapeResult, type Scraper, type SourceField } from "./scrape-result.js";

const sampleValue = z.tuple([z.number(), z.string()]);
const envelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }));

type FieldResult = { value: number; failure?: undefined } | ReturnType<typeof failure>;

export class ApiScraper implements Scraper {
  private readonly queryUrl: URL;
  private readonly queries: Array<[SourceField, string]>;

  constructor(
    base: URL,
    queries: Partial<Record<SourceField, string>>,
    /** Passed on as the query's `timeout`, so the server gives up when the source does. */
    private readonly timeoutMs: number,
  ) {
    // Relative to the base path, so a server behind a prefix (http://host/prometheus) works.
    this.queryUrl = new URL("api/v1/query", base.href.endsWith("/") ? base : new URL(`${base.href}/`));
    this.queries = Object.entries(queries) as Array<[SourceField, string]>;
  }

  async scrape(signal: AbortSignal, nowMs: number): Promise<ScrapeResult> {
    const time = (nowMs / 1000).toFixed(3);
    const results = await Promise.all(this.queries.map(([field, query]) => this.query(field, query, time, signal)));
    const values: FieldValues = {};
    for (const [i, result] of results.entries()) {
      if (result.failure) return result;
      values[this.queries[i]![0]] = result.value;
    }
    return { values };
  }

  private async query(field: SourceField, query: string, time: string, signal: AbortSignal): Promise<FieldResult> {
    const url = new URL(this.queryUrl);
    url.searchParams.set("query", query);
    url.searchParams.set("time", time);
    url.searchParams.set("timeout", `${this.timeoutMs}ms`);
    const got = await httpGet(url, "application/json", signal);
    if (got.failure) return { failure: { ...got.failure, field } };
    let json: unknown;
    try {
      json = JSON.parse(got.value.body);
    } catch {
      return got.value.status === 200
        ? failure("bad_response", "answer is not JSON", field)
        : failure("http_error", `HTTP ${got.value.status}`, field);
    }
    const answer = envelope.safeParse(json);
    if (!answer.success) return failure("bad_response", "answer is not a Prometheus API response", field);
    const { status, data, errorType, error } = answer.data;
    if (status === "error" || got.value.status !== 200) {
      return failure("http_error", `HTTP ${got.value.status}: ${errorType ?? "error"}: ${error ?? "no message"}`, field);
    }
    if (data === undefined) return failure("bad_response", "success without data", field);
    if (data.resultType === "scalar") {
      const scalar = sampleValue.safeParse(data.result);
      return scalar.success ? toNumber(scalar.data[1], field) : failure("bad_response", "malformed scalar", field);
    }
    if (data.resultType !== "vector") {
      return failure("bad_response", `result type '${data.resultType}'; expected a vector or a scalar`, field);
    }
    const samples = vector.safeParse(data.result);
    if (!samples.success) return failure("bad_response", "malformed vector", field);
    if (samples.data.length === 0) return failure("missing", "query returned no samples", field);
    if (samples.data.length > 1) {
      return failure("ambiguous", `query returned ${samples.data.length} samples; expected one (aggregate it, e.g. sum(...))`, field);
    }
    return toNumber(samples.data[0]!.value[1], field);
  }
}

function toNumber(text: string, field: SourceField): FieldResult {
  const value = parseFloatToken(text);
  return value === undefined ? failure("bad_response", `sample value '${text}' is not a number`, field) : { value };
}
