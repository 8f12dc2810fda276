// The policies ours is compared with. Each sees the same plan input as the controller's planners
// and, like Envoy with health checks, sends nothing to a site reported unhealthy.
import type { PlanInput, SiteState } from "../../../controller/plan/site-state.js";
import type { Policy, PolicyDecision } from "../policy.js";

/** Equal weights over a service's healthy sites: Envoy's round robin. */
export function roundRobin(): Policy {
  return {
    name: "round-robin",
    horizonSteps: 0,
    decide: (input) => proportional(input, () => 1),
  };
}

/** Weights in proportion to capacity: Envoy/Istio load balancing over unequal localities. */
export function capacityProportional(): Policy {
  return {
    name: "capacity",
    horizonSteps: 0,
    decide: (input) => proportional(input, (s) => s.capacityRps),
  };
}

/** "Best location now": fill sites from the lowest current grid intensity up, to their limit. */
export function carbonGreedy(headroom: number): Policy {
  return {
    name: "carbon-greedy",
    horizonSteps: 0,
    decide: (input) => fillInOrder(input, headroom, (s) => s.gridCarbonGPerKwh),
  };
}

/** Largest current PV surplus (PV beyond base load) first, each site to its limit. */
export function solarGreedy(headroom: number): Policy {
  return {
    name: "solar-greedy",
    horizonSteps: 0,
    decide: (input) => fillInOrder(input, headroom, (s) => -(s.pvNowWatts - s.baseLoadWatts)),
  };
}

function proportional(input: PlanInput, weight: (s: SiteState) => number): PolicyDecision {
  const byName = new Map(input.sites.map((s) => [s.site, s]));
  return {
    shares: input.services.map((svc) => {
      const w = svc.upstreams.map((u) => {
        const s = byName.get(u.site)!;
        return s.health === "healthy" ? weight(s) : 0;
      });
      return normalise(w);
    }),
  };
}

/**
 * Services with fewer sites first (a pinned service is not crowded out), each filling its sites
 * in ascending `key` up to capacity × (1 − headroom) left; what does not fit is spread by capacity.
 */
function fillInOrder(input: PlanInput, headroom: number, key: (s: SiteState) => number): PolicyDecision {
  const index = new Map(input.sites.map((s, i) => [s.site, i]));
  const left = input.sites.map((s) => (s.health === "healthy" ? s.capacityRps * (1 - headroom) : 0));
  const shares: number[][] = input.services.map((svc) => svc.upstreams.map(() => 0));
  const order = input.services.map((_, s) => s).sort((a, b) => input.services[a]!.upstreams.length - input.services[b]!.upstreams.length || a - b);
  for (const s of order) {
    const svc = input.services[s]!;
    const demand = svc.demandRps;
    if (!(demand > 0)) {
      shares[s] = normalise(svc.upstreams.map((u) => (input.sites[index.get(u.site)!]!.health === "healthy" ? 1 : 0)));
      continue;
    }
    let rest = demand;
    const sites = svc.upstreams.map((u, j) => ({ j, i: index.get(u.site)! }))
      .filter((e) => input.sites[e.i]!.health === "healthy")
      .sort((a, b) => key(input.sites[a.i]!) - key(input.sites[b.i]!) || a.i - b.i);
    for (const { j, i } of sites) {
      const take = Math.min(rest, left[i]!);
      if (take <= 0) continue;
      shares[s]![j] = take / demand;
      left[i]! -= take;
      rest -= take;
    }
    if (rest > 1e-9 && sites.length > 0) {
      const cap = sites.reduce((a, e) => a + input.sites[e.i]!.capacityRps, 0);
      for (const { j, i } of sites) shares[s]![j]! += (rest / demand) * (input.sites[i]!.capacityRps / cap);
    }
  }
  return { shares };
}

function normalise(w: readonly number[]): number[] {
  const sum = w.reduce((a, b) => a + b, 0);
  return sum > 0 ? w.map((x) => x / sum) : w.map(() => 0);
}
