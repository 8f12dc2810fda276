// fast-check generators of planner inputs: a few sites with any mix of sun, battery, carbon,
// health and latency, and services over random subsets of them.
import fc from "fast-check";
import type { PlanInput, ServiceDemand, SiteState } from "../../../../controller/plan/site-state.js";

const watts = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5000, noNaN: true }));

export const siteStateArb = (name: string): fc.Arbitrary<SiteState> =>
  fc.record({
    site: fc.constant(name),
    health: fc.constantFrom("healthy", "healthy", "healthy", "unhealthy", "draining"),
    capacityRps: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1000, noNaN: true })),
    wattsPerRps: fc.double({ min: 0.1, max: 10, noNaN: true }),
    baseLoadWatts: fc.double({ min: 0, max: 500, noNaN: true }),
    pvNowWatts: watts,
    pvForecastWatts: fc.array(watts, { maxLength: 4 }),
    batteryWh: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5000, noNaN: true })),
    batterySoc: fc.double({ min: 0, max: 1, noNaN: true }),
    // Few distinct values, so equal intensities (ties) come up often.
    gridCarbonGPerKwh: fc.constantFrom(20, 100, 100, 250, 400),
    // 450 lies between the default release level (400) and limit (500): the hold's hysteresis band.
    latencyP95Ms: fc.constantFrom(20, 100, 450, 800),
    loadRps: fc.double({ min: 0, max: 500, noNaN: true }),
  });

const demandArb = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3000, noNaN: true }));

/**
 * Sites named s0..s(n-1) and up to four services. With `everywhere`, every service runs in
 * every site, which is when "total capacity suffices" has its plain meaning.
 */
export function planInputArb(options: { everywhere?: boolean; maxSites?: number } = {}): fc.Arbitrary<PlanInput> {
  return fc.integer({ min: 1, max: options.maxSites ?? 6 }).chain((n) => {
    const names = Array.from({ length: n }, (_, i) => `s${i}`);
    const sites = fc.tuple(...names.map(siteStateArb));
    const subset = options.everywhere === true
      ? fc.constant(names)
      : fc.subarray(names, { minLength: 1 });
    const services = fc.array(fc.tuple(demandArb, subset), { minLength: 1, maxLength: 4 }).map((list) =>
      list.map(([demandRps, members], k): ServiceDemand => ({
        service: `svc-${k}`,
        demandRps,
        upstreams: members.map((s) => ({ site: s, upstream: `svc-${k}-${s}` })),
      })),
    );
    return fc.record({ nowMs: fc.integer({ min: 0, max: 2 ** 42 }), sites, services });
  });
}

/** Two inputs over the same sites and services: a cycle and the one after it. */
export function consecutiveInputsArb(options: { everywhere?: boolean } = {}): fc.Arbitrary<[PlanInput, PlanInput]> {
  return planInputArb(options).chain((first) =>
    fc
      .record({
        sites: fc.tuple(...first.sites.map((s) => siteStateArb(s.site))),
        demands: fc.tuple(...first.services.map(() => demandArb)),
      })
      .map(({ sites, demands }): [PlanInput, PlanInput] => [
        first,
        { nowMs: first.nowMs + 300_000, sites, services: first.services.map((s, k) => ({ ...s, demandRps: demands[k]! })) },
      ]),
  );
}
