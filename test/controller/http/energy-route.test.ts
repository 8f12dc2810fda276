// POST /v1/energy: per-reading answers, refusals naming the field, counts before validation.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WRITER, startTestApi, type TestApi } from "./support/http-api.js";

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.app.close();
});

const post = (payload: object | string, headers: Record<string, string> = {}) =>
  api.app.inject({ method: "POST", url: "/v1/energy", headers: { ...WRITER, ...headers }, payload });

describe("POST /v1/energy", () => {
  it("applies a valid batch", async () => {
    const res = await post({ readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 1234, health: "draining" }] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 1, ignored: [] });
    expect(api.energy.get("berlin")).toMatchObject({ pvWatts: 1234, health: "draining" });
    expect(await api.samples("solar_controller_readings_accepted_total")).toEqual(['solar_controller_readings_accepted_total{source="http"} 1']);
  });

  it("answers each reading it did not apply, with the reason, and counts them", async () => {
    const now = Date.now();
    await post({ readings: [{ site: "berlin", timestamp: now, pv_watts: 1 }] });
    const res = await post({ readings: [
      { site: "sydney", timestamp: now, pv_watts: 5 },
      { site: "berlin", timestamp: now - 60_000, pv_watts: 2 },
      { site: "sydney", timestamp: now - 1, pv_watts: 4 },
      { site: "berlin", timestamp: now, pv_watts: 3 },
    ] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, ignored: [
      { index: 1, site: "berlin", reason: "older_than_latest" },
      { index: 3, site: "berlin", reason: "duplicate" },
    ] });
    // sydney's readings were applied in time order: the newer one is the state.
    expect(api.energy.get("sydney")?.pvWatts).toBe(5);
    expect(api.energy.get("berlin")?.pvWatts).toBe(1);
    expect(await api.samples("solar_controller_readings_ignored_total")).toEqual([
      'solar_controller_readings_ignored_total{source="http",reason="older_than_latest"} 1',
      'solar_controller_readings_ignored_total{source="http",reason="duplicate"} 1',
    ]);
    expect(await api.samples("solar_controller_readings_accepted_total")).toEqual(['solar_controller_readings_accepted_total{source="http"} 3']);
  });

  it("keeps a site updating after a reading 4 minutes ahead", async () => {
    const ahead = await post({ readings: [{ site: "berlin", timestamp: Date.now() + 4 * 60_000, pv_watts: 1 }] });
    expect(ahead.json()).toEqual({ accepted: 1, ignored: [] });
    await new Promise((r) => setTimeout(r, 5));
    const next = await post({ readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 2 }] });
    expect(next.json()).toEqual({ accepted: 1, ignored: [] });
    expect(api.energy.get("berlin")?.pvWatts).toBe(2);
  });

  const refused: Array<[string, object | string, string, RegExp]> = [
    ["negative power", { readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: -3 }] }, "readings.0.pv_watts", /≥ 0/],
    ["1e308 W", { readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 1e308 }] }, "readings.0.pv_watts", /≤ 1e9/],
    ["SoC of 101 %", { readings: [{ site: "berlin", timestamp: Date.now(), battery_soc_percent: 101 }] }, "readings.0.battery_soc_percent", /0\.\.100/],
    ["an unknown health", { readings: [{ site: "berlin", timestamp: Date.now(), health: "sunny" }] }, "readings.0.health", /draining/],
    ["a missing timestamp", { readings: [{ site: "berlin", pv_watts: 1 }] }, "readings.0.timestamp",
      /required; expected Unix milliseconds as an integer or an ISO 8601 time with offset/],
    ["a fractional timestamp", { readings: [{ site: "berlin", timestamp: 1.5 }] }, "readings.0.timestamp", /expected Unix milliseconds/],
    ["2,000 readings", { readings: Array.from({ length: 2_000 }, () => ({})) }, "readings", /2000 readings in one batch; at most 1000/],
    ["malformed JSON", "{nope", "(body)", /./],
  ];
  for (const [name, payload, field, message] of refused) {
    it(`refuses ${name} with 400 naming ${field}, and changes nothing`, async () => {
      const res = await post(payload, { "content-type": "application/json" });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "invalid_argument", field });
      expect(res.json().error.message).toMatch(message);
      expect(api.energy.currentRevision).toBe(0);
      expect(await api.samples("solar_controller_readings_rejected_total")).toEqual(
        field === "(body)" ? [] : ['solar_controller_readings_rejected_total{source="http"} 1']);
    });
  }
});
