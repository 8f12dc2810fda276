// Records too large for one entry, as the controller makes them: an energy snapshot of many sites,
// each with a week of 5-minute PV forecasts.
import type { EnergySnapshot } from "../../../../controller/ledger/records/record.js";

export function bigSnapshot(sites: number, forecastPoints = 2016, atMs = 1_767_225_600_000): EnergySnapshot {
  return {
    kind: "energy_snapshot", v: 1, at_ms: atMs,
    sites: Array.from({ length: sites }, (_, s) => ({
      site: `site-${s}`, health: "healthy", pv_watts: 1000 + s, battery_soc_percent: 50, grid_carbon_g_per_kwh: 300,
      load_rps: 10, latency_p95_ms: 20, pv_forecast_watts: Array.from({ length: forecastPoints }, (_, i) => 1000 + ((s * 7919 + i * 104729) % 90000) / 7),
    })),
  };
}
