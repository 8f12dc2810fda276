// The weight table as the controller builds it and as a decoder returns it.

export interface Upstream {
  /** Value written into the routing header; the route matches on it. */
  readonly name: string;
  readonly weight: number;
  /** Only meaningful when the table has a canary weight set. */
  readonly canaryWeight: number;
  readonly draining: boolean;
}

export interface Service {
  /** Request authority host (no port) or the configured service header's value, lower case. */
  readonly key: string;
  readonly upstreams: readonly Upstream[];
}

export interface WeightTable {
  readonly version: bigint;
  readonly issuedAtMs: bigint;
  readonly ttlMs: number;
  /** Present when the table carries a canary weight set: share of requests, in basis points. */
  readonly canaryBp: number | null;
  /** Sorted by key; the encoder sorts, the decoder requires it. */
  readonly services: readonly Service[];
}
