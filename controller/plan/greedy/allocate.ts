// Places every service's demand on sites, in tiers: renewable power first, then grid power from
// the lowest carbon intensity up, never above a site's limit. Pure arithmetic on numbers; the
// planner turns the result into weights and explanations.

export interface SitePool {
  /** Most requests/s the site may take (0 for a site that is not eligible). */
  readonly limitRps: number;
  /** Requests/s the site can serve on renewable power. */
  readonly renewableRps: number;
  readonly carbonGPerKwh: number;
}

export interface ServiceNeed {
  readonly demandRps: number;
  /** Indices into the pools of the eligible sites the service runs in. */
  readonly sites: readonly number[];
}

export interface Allocation {
  /** Some service's demand did not fit: every service is spread by site limit instead. */
  readonly shortfall: boolean;
  /** Per service, per entry of its `sites`: requests/s planned there. */
  readonly rps: readonly (readonly number[])[];
  /** Per service, per entry of its `sites`: share of its requests (sums to 1 when it has sites). */
  readonly shares: readonly (readonly number[])[];
}

const EPSILON = 1e-9;

/**
 * Services with fewer sites go first in each tier, so a service pinned to one site is not crowded
 * out of it by one that could go elsewhere. Within a tier a service's take is split across its
 * sites in proportion to what each has left, which keeps weights smooth as inputs move.
 */
export function allocate(pools: readonly SitePool[], needs: readonly ServiceNeed[]): Allocation {
  const cap = pools.map((p) => p.limitRps);
  const ren = pools.map((p) => Math.min(p.renewableRps, p.limitRps));
  const rps = needs.map((n) => n.sites.map(() => 0));
  const unmet = needs.map((n) => n.demandRps);
  const order = needs
    .map((n, s) => ({ n, s }))
    .filter(({ n }) => n.sites.length > 0 && n.demandRps > 0)
    .sort((a, b) => a.n.sites.length - b.n.sites.length || a.s - b.s)
    .map(({ s }) => s);

  const take = (s: number, members: readonly number[], pool: number[]): void => {
    const sites = needs[s]!.sites;
    const avail = members.reduce((a, k) => a + pool[sites[k]!]!, 0);
    if (avail <= 0 || unmet[s]! <= 0) return;
    const amount = Math.min(unmet[s]!, avail);
    for (const k of members) {
      const i = sites[k]!;
      const a = (amount * pool[i]!) / avail;
      rps[s]![k]! += a;
      cap[i] = Math.max(0, cap[i]! - a);
      ren[i] = Math.min(Math.max(0, ren[i]! - a), cap[i]!);
    }
    unmet[s] = Math.max(0, unmet[s]! - amount);
  };

  for (const s of order) take(s, needs[s]!.sites.map((_, k) => k), ren);
  for (const carbon of carbonLevels(pools)) {
    for (const s of order) {
      const members = needs[s]!.sites.flatMap((i, k) => (pools[i]!.carbonGPerKwh === carbon ? [k] : []));
      take(s, members, cap);
    }
  }

  const shortfall = order.some((s) => unmet[s]! > EPSILON * Math.max(1, needs[s]!.demandRps));
  if (shortfall) {
    const shares = needs.map((n) => proportional(n.sites.map((i) => pools[i]!.limitRps)));
    return { shortfall, shares, rps: needs.map((n, s) => shares[s]!.map((x) => x * n.demandRps)) };
  }
  // Normalised rather than divided by demand, so a demand that underflows still yields shares.
  const shares = needs.map((n, s) =>
    rps[s]!.some((r) => r > 0) ? proportional(rps[s]!) : marginalShares(n.sites, pools, ren, cap),
  );
  return { shortfall, shares, rps };
}

/** Where the next request of an idle service would go: the same tiers, on what is left. */
function marginalShares(sites: readonly number[], pools: readonly SitePool[], ren: number[], cap: number[]): number[] {
  if (sites.some((i) => ren[i]! > 0)) return proportional(sites.map((i) => ren[i]!));
  for (const carbon of carbonLevels(pools)) {
    const inLevel = sites.map((i) => (pools[i]!.carbonGPerKwh === carbon ? cap[i]! : 0));
    if (inLevel.some((c) => c > 0)) return proportional(inLevel);
  }
  return proportional(sites.map((i) => pools[i]!.limitRps));
}

function carbonLevels(pools: readonly SitePool[]): number[] {
  return [...new Set(pools.map((p) => p.carbonGPerKwh))].sort((a, b) => a - b);
}

function proportional(values: readonly number[]): number[] {
  const sum = values.reduce((a, b) => a + b, 0);
  return sum > 0 ? values.map((v) => v / sum) : values.map(() => 0);
}
