// Checks the fields only a look-ahead planner reads (forecast carbon and demand, battery limits,
// client regions), once per call and after checkPlanInput: a NaN in a forecast would otherwise
// reach the solver as a coefficient.
import { PlannerError } from "../planner-options.js";
import type { PlanInput } from "../site-state.js";

/** Throws PlannerError naming the first bad field, e.g. `sites[0].gridCarbonForecastGPerKwh[3]`. */
export function checkLookAhead(input: PlanInput): void {
  input.sites.forEach((site, i) => {
    const at = `sites[${i}]`;
    site.gridCarbonForecastGPerKwh?.forEach((g, k) => nonNegative(`${at}.gridCarbonForecastGPerKwh[${k}]`, g));
    if (site.batteryChargeWatts !== undefined) nonNegative(`${at}.batteryChargeWatts`, site.batteryChargeWatts);
    if (site.batteryDischargeWatts !== undefined) nonNegative(`${at}.batteryDischargeWatts`, site.batteryDischargeWatts);
    const e = site.batteryEfficiency;
    if (e !== undefined && !(Number.isFinite(e) && e > 0 && e <= 1)) fail(`${at}.batteryEfficiency`, "expected a number above 0, at most 1", e);
    if (site.offGrid !== undefined && typeof site.offGrid !== "boolean") fail(`${at}.offGrid`, "expected true or false", site.offGrid);
  });
  input.services.forEach((service, s) => {
    const at = `services[${s}]`;
    service.demandForecastRps?.forEach((d, k) => nonNegative(`${at}.demandForecastRps[${k}]`, d));
    if (service.demandPeakRps !== undefined) nonNegative(`${at}.demandPeakRps`, service.demandPeakRps);
    const slo = service.latencySloMs;
    if (slo !== undefined && !(Number.isFinite(slo) && slo > 0)) fail(`${at}.latencySloMs`, "expected a number of milliseconds above 0", slo);
  });
  const regions = input.clientRegions;
  if (regions === undefined) return;
  let total = 0;
  regions.forEach((region, r) => {
    const at = `clientRegions[${r}]`;
    if (typeof region.region !== "string" || region.region.length === 0) fail(`${at}.region`, "expected a non-empty name", region.region);
    if (!(Number.isFinite(region.share) && region.share >= 0 && region.share <= 1)) fail(`${at}.share`, "expected a number from 0 to 1", region.share);
    total += region.share;
    input.sites.forEach((site) => nonNegative(`${at}.latencyMs.${site.site}`, region.latencyMs[site.site] as number));
  });
  if (regions.length > 0 && Math.abs(total - 1) > 1e-6) fail("clientRegions", "expected shares that sum to 1", total);
}

function nonNegative(field: string, n: number): void {
  if (!(typeof n === "number" && Number.isFinite(n) && n >= 0)) fail(field, "expected a finite number ≥ 0", n);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new PlannerError(field, `${expected}, got ${typeof got === "string" ? `'${got}'` : String(got)}`);
}
