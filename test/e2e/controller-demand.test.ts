// The controller as a process plans against the load the filters report: before any report it
// has only the configured demand_rps (which the sunny site's renewable power covers); reports
// that say demand is four times that move weight to the other site, in damped steps.
import { afterEach, describe, expect, it } from "vitest";
import { LATENCY_BOUNDS_MS, REPORT_CONTENT_TYPE } from "../../controller/ingest/reports/decode.js";
import { encodeReport } from "../../controller/ingest/reports/encode.js";
import { decodeTable } from "../../controller/table/decode.js";
import type { WeightTable } from "../../controller/table/weight-table.js";
import { startControllerProcess, type ControllerProcess } from "../support/controller-process.js";

// sun: 2,000 W of PV at 10 W per request/s is 200 rps renewable, limit 800; shade: no PV, cleaner grid.
const CONFIG = `
planning: { interval_ms: 200 }
ledger: { enabled: false }
sites:
  - { name: sun, capacity_rps: 1000, pv_peak_watts: 5000, watts_per_rps: 10, location: { lat: 37.8, lon: -122.4 }, grid_carbon_g_per_kwh: 400 }
  - { name: shade, capacity_rps: 1000, pv_peak_watts: 0, watts_per_rps: 10, location: { lat: 52.5, lon: 13.4 }, grid_carbon_g_per_kwh: 300 }
services:
  - key: api.example.com
    demand_rps: 100
    upstreams: { sun: api-sun, shade: api-shade }
`;

let controller: ControllerProcess | null = null;
afterEach(async () => {
  await controller?.kill();
  controller = null;
});

async function table(c: ControllerProcess): Promise<WeightTable> {
  const res = await fetch(`${c.url}/v1/table`, { headers: c.readerHeaders() });
  expect(res.status).toBe(200);
  const decoded = decodeTable(new Uint8Array(await res.arrayBuffer()));
  if (decoded.error) throw new Error(decoded.error.message);
  return decoded.value;
}

const weights = (t: WeightTable): number[] => t.services[0]!.upstreams.map((u) => u.weight);

async function postEnergy(c: ControllerProcess): Promise<void> {
  const now = Date.now();
  // A reported PV forecast, so the planner's renewable figure does not depend on the time of day.
  const forecast = Array.from({ length: 12 }, (_, k) => ({ timestamp: now + (k + 1) * 300_000, pv_watts: 2_000 }));
  const res = await fetch(`${c.url}/v1/energy`, {
    method: "POST", headers: { ...c.writerHeaders(), "content-type": "application/json" },
    body: JSON.stringify({ readings: [{ site: "sun", timestamp: now, pv_watts: 2_000, forecast }, { site: "shade", timestamp: now, pv_watts: 0 }] }),
  });
  expect(res.status).toBe(200);
}

/** One worker's report: `rps` for api.example.com from `sinceMs` (its last report) to now, split over the two sites. */
async function postReport(c: ControllerProcess, version: bigint, rps: number, sinceMs: number): Promise<number> {
  const now = Date.now();
  const windowMs = now - sinceMs;
  const requests = Math.round((rps * windowMs) / 1000);
  const entry = (upstream: string, n: number) => ({
    tableVersion: version, service: "api.example.com", upstream, requests: n, responses: 0, responses5xx: 0,
    latencyBuckets: LATENCY_BOUNDS_MS.map(() => 0),
  });
  const body = encodeReport({
    reporter: 0x5eed_0001n, windowStartMs: now - windowMs, windowEndMs: now,
    entries: [entry("api-sun", Math.ceil(requests / 2)), entry("api-shade", Math.floor(requests / 2))],
  });
  const res = await fetch(`${c.url}/v1/reports`, { method: "POST", headers: { ...c.readerHeaders(), "content-type": REPORT_CONTENT_TYPE }, body: Buffer.from(body) });
  expect(res.status).toBe(204);
  return now;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("controller following observed demand", () => {
  it("plans against the configured prior until reports arrive, then spreads the load they report", async () => {
    controller = await startControllerProcess({ configYaml: CONFIG });
    const c = controller;
    await postEnergy(c);
    // 100 rps (the prior) fits the sun's 200 renewable rps: everything goes there.
    const prior = await until("all on the sun", () => table(c), (t) => weights(t)[0] === 10_000);
    expect(weights(prior)).toEqual([10_000, 0]);

    // The filters report 400 rps: 200 renewable at the sun, the other 200 on the cleaner grid at shade.
    // Weights move there in steps of at most 1,000 per 200 ms interval, to about 5,000 / 5,000 (the
    // observed rate is 400 give or take the window's bucketing, and changes under 2 % are held).
    const seen: number[][] = [];
    let reportedUntil = Date.now() - 1_000;
    const spread = await until("spread over both sites", async () => {
      reportedUntil = await postReport(c, prior.version, 400, reportedUntil);
      const t = await table(c);
      seen.push(weights(t));
      return t;
    }, (t) => weights(t)[1]! >= 4_500);
    expect(weights(spread)[1]).toBeLessThanOrEqual(5_500);
    // Damped: it passed through weights between the two.
    expect(seen.some((w) => w[1]! > 0 && w[1]! < 5_000)).toBe(true);
    expect(seen.every((w) => w[0]! + w[1]! === 10_000)).toBe(true);
  });
});
