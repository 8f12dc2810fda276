// Applies a validated batch and counts what happened to it, the same way for every source
// (HTTP, gRPC, Prometheus): applied readings in readings_accepted_total, the others by reason in
// readings_ignored_total.
import type { ControllerMetrics } from "../../ops/metrics.js";
import type { EnergyReading } from "./reading.js";
import type { ApplyResult, SiteEnergy } from "./site-energy.js";

export type ReadingSource = "http" | "grpc" | "prometheus";

export function applyReadings(
  energy: SiteEnergy, metrics: ControllerMetrics, source: ReadingSource, readings: readonly EnergyReading[],
): ApplyResult {
  const result = energy.apply(readings);
  metrics.readingsAccepted.inc({ source }, result.applied);
  for (const r of result.ignored) metrics.readingsIgnored.inc({ source, reason: r.reason });
  return result;
}
