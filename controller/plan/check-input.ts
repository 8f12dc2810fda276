// Checks a plan input once, before any arithmetic: a NaN, a negative power or an unknown site
// would otherwise turn into a plausible-looking but wrong weight table.
import { MAX_UPSTREAMS } from "../table/format.js";
import { PlannerError } from "./planner-options.js";
import type { PlanInput, SiteState } from "./site-state.js";

const HEALTH = new Set(["healthy", "unhealthy", "draining"]);

/** Throws PlannerError naming the first bad field, e.g. `sites[1].pvNowWatts`. */
export function checkPlanInput(input: PlanInput): void {
  if (!Number.isFinite(input.nowMs) || input.nowMs < 0) fail("nowMs", "expected a time in ms ≥ 0", input.nowMs);
  const sites = new Set<string>();
  input.sites.forEach((site, i) => {
    const at = `sites[${i}]`;
    if (typeof site.site !== "string" || site.site.length === 0) fail(`${at}.site`, "expected a non-empty site id", site.site);
    if (sites.has(site.site)) fail(`${at}.site`, "duplicate site", site.site);
    sites.add(site.site);
    checkSite(site, at);
  });
  const keys = new Set<string>();
  input.services.forEach((service, i) => {
    const at = `services[${i}]`;
    if (typeof service.service !== "string" || service.service.length === 0) {
      fail(`${at}.service`, "expected a non-empty service key", service.service);
    }
    if (keys.has(service.service)) fail(`${at}.service`, "duplicate service", service.service);
    keys.add(service.service);
    nonNegative(`${at}.demandRps`, service.demandRps);
    const n = service.upstreams.length;
    if (n < 1 || n > MAX_UPSTREAMS) fail(`${at}.upstreams`, `expected 1 to ${MAX_UPSTREAMS} upstreams`, n);
    const seenSites = new Set<string>();
    const seenNames = new Set<string>();
    service.upstreams.forEach((u, j) => {
      const uat = `${at}.upstreams[${j}]`;
      if (!sites.has(u.site)) fail(`${uat}.site`, "no such site in sites", u.site);
      if (seenSites.has(u.site)) fail(`${uat}.site`, "the service already has an upstream in this site", u.site);
      if (typeof u.upstream !== "string" || u.upstream.length === 0) fail(`${uat}.upstream`, "expected a non-empty name", u.upstream);
      if (seenNames.has(u.upstream)) fail(`${uat}.upstream`, "duplicate upstream name", u.upstream);
      seenSites.add(u.site);
      seenNames.add(u.upstream);
    });
  });
}

function checkSite(site: SiteState, at: string): void {
  if (!HEALTH.has(site.health)) fail(`${at}.health`, "expected healthy, unhealthy or draining", site.health);
  nonNegative(`${at}.capacityRps`, site.capacityRps);
  if (!(Number.isFinite(site.wattsPerRps) && site.wattsPerRps > 0)) fail(`${at}.wattsPerRps`, "expected a finite number > 0", site.wattsPerRps);
  nonNegative(`${at}.baseLoadWatts`, site.baseLoadWatts);
  nonNegative(`${at}.pvNowWatts`, site.pvNowWatts);
  site.pvForecastWatts.forEach((w, k) => nonNegative(`${at}.pvForecastWatts[${k}]`, w));
  nonNegative(`${at}.batteryWh`, site.batteryWh);
  if (!(Number.isFinite(site.batterySoc) && site.batterySoc >= 0 && site.batterySoc <= 1)) {
    fail(`${at}.batterySoc`, "expected a number from 0 to 1", site.batterySoc);
  }
  nonNegative(`${at}.gridCarbonGPerKwh`, site.gridCarbonGPerKwh);
  nonNegative(`${at}.latencyP95Ms`, site.latencyP95Ms);
  nonNegative(`${at}.loadRps`, site.loadRps);
}

function nonNegative(field: string, n: number): void {
  if (!(typeof n === "number" && Number.isFinite(n) && n >= 0)) fail(field, "expected a finite number ≥ 0", n);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new PlannerError(field, `${expected}, got ${typeof got === "string" ? `'${got}'` : String(got)}`);
}
