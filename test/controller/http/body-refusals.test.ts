// Every POST endpoint answers 413 for a body over the limit and 415 for a content type it does
// not take, with the error code and field, and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPORT_CONTENT_TYPE } from "../../../controller/ingest/reports/decode.js";
import { WRITER, startTestApi, type TestApi } from "./support/http-api.js";

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.app.close();
});

const OVER_LIMIT = (1 << 20) + 1;

const endpoints = [
  { url: "/v1/energy", accepts: "application/json", others: ["text/plain", "application/x-www-form-urlencoded", REPORT_CONTENT_TYPE] },
  { url: "/v1/reports", accepts: REPORT_CONTENT_TYPE, others: ["application/json", "text/plain", "application/octet-stream"] },
];

/** Nothing reached the energy state or the observations. */
async function nothingChanged(): Promise<void> {
  expect(api.energy.currentRevision).toBe(0);
  expect(api.observations.site("berlin", Date.now()).loadRps).toBe(0);
  expect(await api.samples("solar_controller_readings_accepted_total")).toEqual([]);
  expect(await api.samples("solar_controller_reports_accepted_total")).toEqual(["solar_controller_reports_accepted_total 0"]);
}

describe("POST bodies the endpoints do not take", () => {
  for (const { url, accepts, others } of endpoints) {
    it(`${url}: 413 for a body over 1 MiB`, async () => {
      const payload = accepts === "application/json"
        ? JSON.stringify({ readings: [{ site: "berlin", timestamp: Date.now(), pad: "x".repeat(OVER_LIMIT) }] })
        : Buffer.alloc(OVER_LIMIT);
      const res = await api.app.inject({ method: "POST", url, headers: { ...WRITER, "content-type": accepts }, payload });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toMatchObject({ code: "payload_too_large", field: "(body)" });
      await nothingChanged();
    });

    for (const type of others) {
      it(`${url}: 415 for ${type}`, async () => {
        const res = await api.app.inject({ method: "POST", url, headers: { ...WRITER, "content-type": type }, payload: '{"readings":[]}' });
        expect(res.statusCode).toBe(415);
        expect(res.json().error).toMatchObject({ code: "unsupported_media_type", field: "content-type" });
        await nothingChanged();
      });
    }

    it(`${url}: 415 for a body without a content type`, async () => {
      const res = await api.app.inject({ method: "POST", url, headers: WRITER, payload: Buffer.from("{}") });
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toMatchObject({ code: "unsupported_media_type", field: "content-type" });
      await nothingChanged();
    });
  }
});
