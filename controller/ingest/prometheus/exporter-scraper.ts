// `kind: exporter`: scrape one exporter's /metrics and read each field as the sum of the series
// its selector matches (e.g. every inverter, every RAPL zone). A counter (`# TYPE … counter`, or
// an untyped name ending in `_total`) is read as its per-second rate between two scrapes, so
// Kepler's `*_joules_total` gives watts; until a counter has two samples its field is left out.
import { ControllerError } from "../../errors/controller-error.js";
import { familyOf, parseExposition, type Exposition } from "./exposition.js";
import { httpGet } from "./http-get.js";
import { failure, type FieldValues, type ScrapeResult, type Scraper, type SourceField } from "./scrape-result.js";
import { parseSelector, selects, type Selector } from "./selector.js";

export const EXPORTER_ACCEPT = "text/plain;version=0.0.4;q=1.0, */*;q=0.1";

/** Joules per second are watts; a counter's rate means nothing for %, Wh or gCO2/kWh. */
const RATE_FIELDS: ReadonlySet<SourceField> = new Set(["pv_watts", "power_draw_watts"]);

interface CounterPoint {
  value: number;
  atMs: number;
}

export class ExporterScraper implements Scraper {
  private readonly selectors: Array<[SourceField, Selector]> = [];
  private readonly lastCounter = new Map<SourceField, CounterPoint>();

  constructor(
    private readonly url: URL,
    readings: Partial<Record<SourceField, string>>,
  ) {
    for (const [field, text] of Object.entries(readings) as Array<[SourceField, string]>) {
      const parsed = parseSelector(text, `readings.${field}`);
      if (parsed.error) throw parsed.error;
      this.selectors.push([field, parsed.value]);
    }
    if (this.selectors.length === 0) throw ControllerError.invalid("readings", "expected at least one field");
  }

  async scrape(signal: AbortSignal, nowMs: number): Promise<ScrapeResult> {
    const got = await httpGet(this.url, EXPORTER_ACCEPT, signal);
    if (got.failure) return got;
    if (got.value.status !== 200) return failure("http_error", `HTTP ${got.value.status} from ${this.url.href}`);
    if (/protobuf/i.test(got.value.contentType)) return failure("bad_response", `unsupported content type '${got.value.contentType}'`);
    const parsed = parseExposition(got.value.body);
    if (parsed.error) return failure("bad_response", parsed.error.message);
    const values: FieldValues = {};
    for (const [field, selector] of this.selectors) {
      const read = this.read(parsed.value, field, selector, nowMs);
      if (read.failure) return read;
      if (read.value !== undefined) values[field] = read.value;
    }
    return { values };
  }

  private read(
    exposition: Exposition, field: SourceField, selector: Selector, nowMs: number,
  ): { value: number | undefined; failure?: undefined } | ReturnType<typeof failure> {
    const matched = exposition.samples.filter((s) => selects(selector, s));
    if (matched.length === 0) return failure("missing", `no series matches ${selector.text}`, field);
    const sum = matched.reduce((total, s) => total + s.value, 0);
    const type = exposition.types.get(familyOf(selector.metric, exposition.types));
    const counter = type === "counter" || (type === undefined && selector.metric.endsWith("_total"));
    if (!counter) return { value: sum };
    if (!RATE_FIELDS.has(field)) {
      return failure("invalid", `${selector.metric} is a counter; only watt fields can take its rate`, field);
    }
    // A non-finite total goes through as is, so the readings parser refuses it with the field.
    if (!Number.isFinite(sum)) return { value: sum };
    const stamps = matched.flatMap((s) => (s.timestampMs === undefined ? [] : [s.timestampMs]));
    const atMs = stamps.length === matched.length ? Math.max(...stamps) : nowMs;
    const previous = this.lastCounter.get(field);
    this.lastCounter.set(field, { value: sum, atMs });
    // First sample, a reset (restart, or a series gone) or no time passed: start over from here.
    if (previous === undefined || sum < previous.value || atMs <= previous.atMs) return { value: undefined };
    return { value: (sum - previous.value) / ((atMs - previous.atMs) / 1000) };
  }
}
