import { describe, expect, it } from "vitest";
import { clearSkyIrradiance, clearSkyShape, solarElevationDeg } from "../../../controller/forecast/solar-position.js";

/** Highest elevation over a UTC day in 1-minute steps, and when it happens (minutes after 00:00 UTC). */
function solarNoon(lat: number, lon: number, dayUtcMs: number): { elevation: number; minute: number } {
  let best = { elevation: -90, minute: 0 };
  for (let m = 0; m < 1440; m++) {
    const elevation = solarElevationDeg(lat, lon, dayUtcMs + m * 60_000);
    if (elevation > best.elevation) best = { elevation, minute: m };
  }
  return best;
}

describe("solar elevation", () => {
  it("matches the noon sun in Berlin at the June solstice: 60.9° at about 11:07 UTC", () => {
    const noon = solarNoon(52.52, 13.405, Date.UTC(2022, 5, 21));
    expect(noon.elevation).toBeCloseTo(90 - 52.52 + 23.44, 0);
    expect(Math.abs(noon.minute - (11 * 60 + 7))).toBeLessThanOrEqual(3);
  });

  it("puts the sun overhead at the equator on the March equinox, near 12:07 UTC on the prime meridian", () => {
    const noon = solarNoon(0, 0, Date.UTC(2022, 2, 20));
    expect(noon.elevation).toBeGreaterThan(89.5);
    expect(Math.abs(noon.minute - (12 * 60 + 7))).toBeLessThanOrEqual(3);
  });

  it("is low at noon in a southern winter: Sydney in June at 32.7°", () => {
    expect(solarNoon(-33.869, 151.209, Date.UTC(2022, 5, 21)).elevation).toBeCloseTo(90 - 33.869 - 23.44, 0);
  });

  it("is below the horizon at night and rises in Stockholm around 01:30 UTC in June", () => {
    expect(solarElevationDeg(-33.869, 151.209, Date.UTC(2022, 5, 15, 10))).toBeLessThan(0); // 20:00 in Sydney
    expect(solarElevationDeg(59.329, 18.069, Date.UTC(2022, 5, 21, 1, 0))).toBeLessThan(0);
    expect(solarElevationDeg(59.329, 18.069, Date.UTC(2022, 5, 21, 2, 30))).toBeGreaterThan(0);
  });
});

describe("clear-sky shape", () => {
  it("is Haurwitz irradiance normalised to the sun overhead", () => {
    expect(clearSkyIrradiance(90)).toBeCloseTo(1098 * Math.exp(-0.059), 9);
    expect(clearSkyIrradiance(-5)).toBe(0);
    expect(clearSkyShape(0, 0, Date.UTC(2022, 2, 20, 12, 7))).toBeGreaterThan(0.999);
    expect(clearSkyShape(52.52, 13.405, Date.UTC(2022, 5, 21, 23))).toBe(0);
  });

  it("rises with the sun", () => {
    let last = -1;
    for (let e = 0; e <= 90; e += 5) {
      const v = clearSkyIrradiance(e);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
  });
});
