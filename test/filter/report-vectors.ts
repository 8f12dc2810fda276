// The report golden vectors (test/fixtures/reports/): how each valid one is made and how the
// tests read them. A valid vector is the body of a report the compiled filter POSTed in the test
// host after a fixed scenario (fixed clock, tables with one eligible upstream per service, so the
// bytes do not depend on random draws); its expected content is tallied from what the scenario
// sent, not decoded. scripts/make-report-fixtures.ts writes them and the invalid ones.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { WeightTable } from "../../controller/table/weight-table.js";
import { T0_MS, table, upstreams } from "./filter-host.js";
import { reportFromJson, type FilterReport } from "./report-codec.js";
import { ReportingFilter, Tally, type OpenStream } from "./report-host.js";

export const REPORT_FIXTURES = join(import.meta.dirname, "..", "fixtures", "reports");

export interface Scenario {
  name: string;
  about: string;
  /** Runs the filter; returns the report body it sent and what that report must contain. */
  run(): Promise<{ bytes: Uint8Array; expected: FilterReport }>;
}

/** One filter, `steps` driving it, then its first report; the reporter id is the filter's own. */
async function firstReport(config: object, steps: (f: ReportingFilter, tally: Tally) => void): Promise<{ bytes: Uint8Array; expected: FilterReport }> {
  const f = await ReportingFilter.start(config);
  if (!f.configured) throw new Error(`refused: ${f.host.logs.map((l) => l.message).join("; ")}`);
  const tally = new Tally();
  steps(f, tally);
  const sent = f.nextReport();
  return {
    bytes: sent.call.body,
    expected: { reporter: sent.report.reporter, windowStartMs: T0_MS, windowEndMs: sent.seenAtMs, entries: tally.sorted() },
  };
}

interface Planned {
  service: string;
  status: number | null;
  latencyMs: number;
}

/** Opens a stream per plan under `t`, then answers them in order of latency on the host clock. */
function traffic(f: ReportingFilter, tally: Tally, t: WeightTable, plan: Planned[]): void {
  const open: Array<{ stream: OpenStream; p: Planned }> = [];
  for (const p of plan) {
    const stream = f.open(p.service);
    if (stream.upstream === null) throw new Error(`${p.service} was not routed`);
    tally.request(t.version, p.service, stream.upstream);
    if (p.status !== null) open.push({ stream, p });
  }
  const start = f.host.now();
  for (const { stream, p } of open.sort((a, b) => a.p.latencyMs - b.p.latencyMs)) {
    const due = start + BigInt(Math.round(p.latencyMs * 1e6));
    if (due > f.host.now()) f.advance(Number(due - f.host.now()) / 1e6);
    stream.respond(p.status!);
    tally.response(t.version, p.service, stream.upstream!, p.status!, p.latencyMs);
  }
}

const checkout = table([{ key: "checkout.shop.svc", upstreams: upstreams({ "site-a": 3, "site-b": 1 }, ["site-b"]) }], { version: 7n, ttlMs: 3_600_000 });

const threeServices = table([
  { key: "api.example.com", upstreams: upstreams({ "site-a": 1 }) },
  { key: "cart.shop.svc.cluster.local", upstreams: upstreams({ "site-a": 0, "site-b": 2 }) },
  { key: "static.example.com", upstreams: upstreams({ "site-c": 5 }) },
], { version: 1_767_225_500_000n, ttlMs: 3_600_000 });

const LATENCIES_MS = [0, 1, 5, 5.000001, 9.9, 10, 10.000001, 25, 30, 50, 75, 100, 100.5, 250, 251, 500, 501, 1000, 1000.000001, 2500, 2500.000001, 4000];

const siteOnly = (version: bigint, site: string) =>
  table([{ key: "api.example.com", upstreams: upstreams({ [site]: 1 }) }], { version, ttlMs: 3_600_000 });

export const SCENARIOS: Scenario[] = [
  {
    name: "example",
    about: "the spec's example: three requests to one upstream, one 5xx, three latency buckets",
    run: () => firstReport({ report: {} }, (f, tally) => {
      f.publish(checkout);
      traffic(f, tally, checkout, [
        { service: "checkout.shop.svc", status: 200, latencyMs: 2 },
        { service: "checkout.shop.svc", status: 503, latencyMs: 20 },
        { service: "checkout.shop.svc", status: 200, latencyMs: 700 },
      ]);
    }),
  },
  {
    name: "thousand",
    about: "1,000 requests over three services: 200, 404 and 503, latencies on and just past every bucket bound, 20 without a response",
    run: () => firstReport({ report: {} }, (f, tally) => {
      f.publish(threeServices);
      const services = threeServices.services.map((s) => s.key);
      traffic(f, tally, threeServices, Array.from({ length: 1_000 }, (_, i) => ({
        service: services[i % 3]!,
        status: i % 50 === 49 ? null : i % 7 === 0 ? 503 : i % 11 === 0 ? 404 : 200,
        latencyMs: LATENCIES_MS[i % LATENCIES_MS.length]!,
      })));
    }),
  },
  {
    name: "two-tables",
    about: "a table switch mid-window: the same service and upstream under two versions, responses to version 1 arriving after the switch",
    run: () => firstReport({ report: {} }, (f, tally) => {
      const v1 = siteOnly(1n, "site-a");
      const v2 = siteOnly(2n, "site-a");
      f.publish(v1);
      const early = [f.open("api.example.com"), f.open("api.example.com")];
      for (const _ of early) tally.request(1n, "api.example.com", "site-a");
      traffic(f, tally, v1, [{ service: "api.example.com", status: 200, latencyMs: 3 }]);
      f.publish(v2);
      traffic(f, tally, v2, [
        { service: "api.example.com", status: 200, latencyMs: 40 },
        { service: "api.example.com", status: 500, latencyMs: 40 },
      ]);
      f.advance(60);
      for (const s of early) {
        s.respond(200);
        tally.response(1n, "api.example.com", "site-a", 200, 3 + 40 + 60);
      }
    }),
  },
  {
    name: "long-names",
    about: "a 253-byte service key and a 64-byte upstream name",
    run: () => firstReport({ report: {} }, (f, tally) => {
      const key = "k".repeat(200) + ".svc.cluster.local-".repeat(3).slice(0, 53);
      const t = table([{ key, upstreams: upstreams({ ["u".repeat(60) + "-._~"]: 1 }) }], { version: 3n, ttlMs: 3_600_000 });
      f.publish(t);
      traffic(f, tally, t, [{ service: key, status: 204, latencyMs: 3000 }]);
    }),
  },
  {
    name: "requests-only",
    about: "report.responses false: requests only, responses and buckets 0",
    run: () => firstReport({ report: { responses: false } }, (f, tally) => {
      f.publish(threeServices);
      for (let i = 0; i < 10; i++) {
        const service = threeServices.services[i % 2]!.key;
        tally.request(threeServices.version, service, f.request(service, 200)!);
      }
    }),
  },
];

/** A valid vector with what it decodes to, or an invalid one with the field a decoder names. */
export type ReportVector =
  | { file: string; about: string; expect: "accept"; report: FilterReport; bytes: Uint8Array }
  | { file: string; about: string; expect: "reject"; field: string; bytes: Uint8Array };

type RawVector =
  | { file: string; about: string; expect: "accept"; report: Parameters<typeof reportFromJson>[0] }
  | { file: string; about: string; expect: "reject"; field: string };

export function loadReportVectors(): ReportVector[] {
  const raw = JSON.parse(readFileSync(join(REPORT_FIXTURES, "vectors.json"), "utf8")) as RawVector[];
  return raw.map((v) => {
    const bytes = new Uint8Array(readFileSync(join(REPORT_FIXTURES, v.file)));
    return v.expect === "reject" ? { ...v, bytes } : { ...v, report: reportFromJson(v.report), bytes };
  });
}
