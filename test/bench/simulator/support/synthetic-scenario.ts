// Small scenarios built in code, with shapes simple enough to reason about by hand: PV as a
// clipped sine by local solar time, carbon as a daily wave, demand flat or given.
import type { Scenario, SimFault, SimSite } from "../../../../bench/simulator/scenario/scenario.js";

export interface SyntheticSite {
  name: string;
  lonDeg?: number;
  latDeg?: number;
  capacityRps?: number;
  pvPeakWatts?: number;
  batteryWh?: number;
  /** Mean carbon and the amplitude of its daily wave (phase by longitude), g/kWh. */
  carbon?: number;
  carbonWave?: number;
  gridConnected?: boolean;
  baseLoadWatts?: number;
  wattsPerRps?: number;
  initialSoc?: number;
}

export interface SyntheticOptions {
  days?: number;
  stepSeconds?: number;
  sites: SyntheticSite[];
  services?: { name: string; sites: string[]; demandRps: number | ((t: number) => number); latencySloMs?: number }[];
  regions?: { name: string; share: number; latencyMs: Record<string, number> }[];
  faults?: SimFault[];
  headroom?: number;
}

const START_MS = Date.UTC(2022, 5, 8);

export function syntheticScenario(o: SyntheticOptions): Scenario {
  const stepSeconds = o.stepSeconds ?? 300;
  const steps = Math.round(((o.days ?? 1) * 86_400) / stepSeconds);
  const hourAt = (t: number, lon: number): number => ((((t * stepSeconds) / 3600 + lon / 15) % 24) + 24) % 24;
  const sites: SimSite[] = o.sites.map((s) => {
    const lon = s.lonDeg ?? 0;
    const peak = s.pvPeakWatts ?? 4_000;
    const wh = s.batteryWh ?? 0;
    return {
      name: s.name,
      latitudeDeg: s.latDeg ?? 0,
      longitudeDeg: lon,
      capacityRps: s.capacityRps ?? 200,
      pvPeakWatts: peak,
      baseLoadWatts: s.baseLoadWatts ?? 500,
      wattsPerRps: s.wattsPerRps ?? 4,
      battery: { capacityWh: wh, chargeWatts: wh / 2, dischargeWatts: wh / 2, roundTripEfficiency: 0.9, reserveSoc: 0.1, initialSoc: s.initialSoc ?? 0.5 },
      gridConnected: s.gridConnected ?? true,
      gridOutages: [],
      pvWatts: Float64Array.from({ length: steps }, (_, t) => {
        const hour = hourAt(t + 0.5, lon);
        return peak * Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
      }),
      carbonGPerKwh: Float64Array.from({ length: steps }, (_, t) => {
        const hour = hourAt(t, lon);
        return Math.max(0, (s.carbon ?? 300) + (s.carbonWave ?? 0) * Math.cos(((hour - 18) / 24) * 2 * Math.PI));
      }),
    };
  });
  const services = (o.services ?? [{ name: "web", sites: o.sites.map((s) => s.name), demandRps: 200 }]).map((svc) => ({
    name: svc.name,
    sites: svc.sites,
    demandRps: Float64Array.from({ length: steps }, (_, t) => (typeof svc.demandRps === "number" ? svc.demandRps : svc.demandRps(t))),
    ...(svc.latencySloMs !== undefined ? { latencySloMs: svc.latencySloMs } : {}),
  }));
  return {
    name: "synthetic",
    file: "synthetic",
    stepSeconds,
    startMs: START_MS,
    steps,
    sites,
    services,
    regions: o.regions ?? [{ name: "all", share: 1, latencyMs: Object.fromEntries(o.sites.map((s) => [s.name, 10])) }],
    faults: o.faults ?? [],
    headroom: o.headroom ?? 0.2,
  };
}
