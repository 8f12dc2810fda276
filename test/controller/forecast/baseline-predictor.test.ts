import { describe, expect, it } from "vitest";
import { createBaselinePredictor, DEFAULT_BASELINE_PREDICTOR_OPTIONS } from "../../../controller/forecast/baseline-predictor.js";
import { PlannerError } from "../../../controller/plan/planner-options.js";
import type { Predictor, PredictorSite, PvObservation } from "../../../controller/forecast/predictor.js";
import { clearSkyShape } from "../../../controller/forecast/solar-position.js";
import { pvTrace, PV_CITIES } from "../../support/traces.js";

const predictor: Predictor = createBaselinePredictor();
const berlin: PredictorSite = { site: "ber", latitudeDeg: 52.52, longitudeDeg: 13.405, pvPeakWatts: 1000 };
const NOON = Date.UTC(2022, 5, 15, 11);
const step = DEFAULT_BASELINE_PREDICTOR_OPTIONS.stepSeconds * 1000;

describe("baseline predictor", () => {
  it("names itself and its step", () => {
    expect(predictor.name).toBe("baseline-smart-persistence");
    expect(predictor.stepSeconds).toBe(300);
  });

  it("carries the last observation's clear-sky index forward on the clear-sky shape", () => {
    const shapeNow = clearSkyShape(52.52, 13.405, NOON);
    // Half of clear-sky output now, and nothing else in the history: index 0.5, typical 0.5 too.
    const forecast = predictor.forecast(berlin, [{ atMs: NOON, watts: 500 * shapeNow }], NOON, 3);
    forecast.forEach((w, k) => expect(w).toBeCloseTo(500 * clearSkyShape(52.52, 13.405, NOON + (k + 1) * step), 6));
  });

  it("drifts from the last index towards the day's typical index as the lead grows", () => {
    const shape = (t: number): number => clearSkyShape(52.52, 13.405, t);
    const history: PvObservation[] = [
      { atMs: NOON - 2 * step, watts: 1000 * shape(NOON - 2 * step) },
      { atMs: NOON - step, watts: 1000 * shape(NOON - step) },
      { atMs: NOON, watts: 100 * shape(NOON) },
    ];
    const forecast = predictor.forecast(berlin, history, NOON, 48);
    const index = (k: number): number => forecast[k]! / (1000 * shape(NOON + (k + 1) * step));
    // Typical index (1 + 1 + 0.1) / 3 = 0.7; the last index 0.1 keeps weight 0.5^(lead / 2 h).
    const expected = (k: number): number => {
      const w = 0.5 ** (((k + 1) * 300) / 7200);
      return w * 0.1 + (1 - w) * 0.7;
    };
    expect(index(0)).toBeCloseTo(expected(0), 9);
    expect(index(47)).toBeCloseTo(0.55, 9);
    expect(expected(47)).toBeCloseTo(0.55, 9);
  });

  it("forecasts nothing at night and never more than the peak", () => {
    const night = Date.UTC(2022, 5, 15, 21, 30);
    expect(predictor.forecast(berlin, [{ atMs: night, watts: 0 }], night, 12)).toEqual(new Array(12).fill(0));
    const bright = predictor.forecast(berlin, [{ atMs: NOON, watts: 1000 }], NOON, 24);
    for (const w of bright) expect(w).toBeLessThanOrEqual(1000);
  });

  it("ignores observations after now and uses the prior without history", () => {
    const future = [{ atMs: NOON + step, watts: 0 }];
    const withFuture = predictor.forecast(berlin, future, NOON, 2);
    const without = predictor.forecast(berlin, [], NOON, 2);
    expect(withFuture).toEqual(without);
    expect(without[0]).toBeCloseTo(1000 * 0.8 * clearSkyShape(52.52, 13.405, NOON + step), 6);
  });

  it("is a pure function of its arguments", () => {
    const history = [{ atMs: NOON - step, watts: 420 }, { atMs: NOON, watts: 400 }];
    expect(predictor.forecast(berlin, history, NOON, 12)).toEqual(createBaselinePredictor().forecast(berlin, [...history], NOON, 12));
  });

  it("refuses bad arguments and options, naming them", () => {
    expect(() => predictor.forecast({ ...berlin, latitudeDeg: 91 }, [], NOON, 1)).toThrow("forecast site.latitudeDeg");
    expect(() => predictor.forecast(berlin, [], NOON, 1.5)).toThrow("forecast horizonSteps");
    expect(() => predictor.forecast(berlin, [{ atMs: NOON, watts: Number.NaN }], NOON, 1)).toThrow("forecast history[0]");
    expect(() => predictor.forecast(berlin, [{ atMs: NOON, watts: -1 }], NOON, 1)).toThrow(PlannerError);
    expect(() => createBaselinePredictor({ stepSeconds: 0 })).toThrow("predictor option 'stepSeconds'");
    expect(() => createBaselinePredictor({ clearSkyIndexPrior: 3 })).toThrow("predictor option 'clearSkyIndexPrior'");
    expect(() => createBaselinePredictor({ halfLife: 1 } as never)).toThrow("predictor option 'halfLife': unknown option");
  });
});

/** Where the ten Solcast cities are (degrees north, east). */
const CITY_LOCATIONS: Record<(typeof PV_CITIES)[number], [number, number]> = {
  Berlin: [52.52, 13.405], "Cape Town": [-33.925, 18.424], "Hong Kong": [22.32, 114.17], Lagos: [6.524, 3.379],
  "Mexico City": [19.433, -99.133], Mumbai: [19.076, 72.878], "San Francisco": [37.775, -122.419],
  Stockholm: [59.329, 18.069], Sydney: [-33.869, 151.209], "São Paulo": [-23.55, -46.633],
};

describe("baseline predictor on real PV traces (10 cities, 3 days, 5-minute steps)", () => {
  it("beats plain persistence one hour ahead in every city", () => {
    const horizon = 12;
    for (const city of PV_CITIES) {
      const trace = pvTrace(city).map((s) => ({ atMs: s.atMs, watts: s.value }));
      const [lat, lon] = CITY_LOCATIONS[city];
      const site: PredictorSite = { site: city, latitudeDeg: lat, longitudeDeg: lon, pvPeakWatts: 1 };
      let baselineError = 0;
      let persistenceError = 0;
      for (let t = 12; t + horizon < trace.length; t++) {
        // A day of history, as the controller keeps.
        const forecast = predictor.forecast(site, trace.slice(Math.max(0, t - 287), t + 1), trace[t]!.atMs, horizon);
        for (let k = 0; k < horizon; k++) {
          const actual = trace[t + k + 1]!.watts;
          baselineError += Math.abs(forecast[k]! - actual);
          persistenceError += Math.abs(trace[t]!.watts - actual);
        }
      }
      expect({ city, better: baselineError < persistenceError }).toEqual({ city, better: true });
    }
  });
});
