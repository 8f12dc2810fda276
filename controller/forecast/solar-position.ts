// Where the sun is, and how much a clear sky would give, from latitude, longitude and time.
// Spencer's (1971) Fourier series for declination and the equation of time (about 0.1° error),
// and Haurwitz's clear-sky irradiance model; accurate enough to shape a PV forecast.

const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;

/** Solar elevation above the horizon in degrees (negative at night). */
export function solarElevationDeg(latitudeDeg: number, longitudeDeg: number, atMs: number): number {
  const date = new Date(atMs);
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1);
  const daysInYear = (Date.UTC(date.getUTCFullYear() + 1, 0, 1) - startOfYear) / DAY_MS;
  const minutesUtc = (atMs - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())) / 60_000;
  // Fractional year in radians, counted from noon of 1 January as in NOAA's formulation.
  const g = ((2 * Math.PI) / daysInYear) * ((atMs - startOfYear) / DAY_MS - 0.5);

  const declination =
    0.006918 - 0.399912 * Math.cos(g) + 0.070257 * Math.sin(g) - 0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) - 0.002697 * Math.cos(3 * g) + 0.00148 * Math.sin(3 * g);
  const equationOfTimeMin =
    229.18 * (0.000075 + 0.001868 * Math.cos(g) - 0.032077 * Math.sin(g) - 0.014615 * Math.cos(2 * g) -
      0.040849 * Math.sin(2 * g));

  const trueSolarMin = minutesUtc + equationOfTimeMin + 4 * longitudeDeg;
  const hourAngle = (trueSolarMin / 4 - 180) * DEG;
  const lat = latitudeDeg * DEG;
  const sinElevation =
    Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  return Math.asin(Math.max(-1, Math.min(1, sinElevation))) / DEG;
}

/** Haurwitz clear-sky global horizontal irradiance at a solar elevation, W/m². */
export function clearSkyIrradiance(elevationDeg: number): number {
  const cosZenith = Math.sin(elevationDeg * DEG);
  return cosZenith > 0 ? 1098 * cosZenith * Math.exp(-0.059 / cosZenith) : 0;
}

const ZENITH_IRRADIANCE = clearSkyIrradiance(90);

/** Clear-sky output as a fraction of output with the sun overhead, 0..1. */
export function clearSkyShape(latitudeDeg: number, longitudeDeg: number, atMs: number): number {
  return clearSkyIrradiance(solarElevationDeg(latitudeDeg, longitudeDeg, atMs)) / ZENITH_IRRADIANCE;
}
