// The embedded configuration: three sites modelled on cities in the bundled PV traces, so the
// controller (and `npm run demo`) runs with no file at all.
export const DEFAULT_CONFIG_YAML = `
listen:
  http: 127.0.0.1:8080
  grpc: 127.0.0.1:9090
table:
  ttl_ms: 60000
planning:
  interval_ms: 2000
  headroom: 0.2
  planner: predictive # or greedy
  horizon_steps: 24 # 5-minute steps: two hours
  time_budget_ms: 50
# Credentials come from SOLAR_READER_TOKENS / SOLAR_WRITER_TOKENS and/or files, one token per line:
# auth:
#   reader_tokens_file: /run/secrets/solar-controller/reader-tokens
#   writer_tokens_file: /run/secrets/solar-controller/writer-tokens
sites:
  - name: san-francisco
    capacity_rps: 800
    pv_peak_watts: 40000
    battery_wh: 60000
    watts_per_rps: 25
    location: { lat: 37.77, lon: -122.42 }
    grid_carbon_g_per_kwh: 210
  - name: berlin
    capacity_rps: 800
    pv_peak_watts: 30000
    battery_wh: 40000
    watts_per_rps: 25
    location: { lat: 52.52, lon: 13.40 }
    grid_carbon_g_per_kwh: 380
  - name: sydney
    capacity_rps: 600
    pv_peak_watts: 35000
    battery_wh: 50000
    watts_per_rps: 25
    location: { lat: -33.87, lon: 151.21 }
    grid_carbon_g_per_kwh: 550
services:
  - key: shop.example.com
    demand_rps: 600
    upstreams: { san-francisco: site-sf, berlin: site-ber, sydney: site-syd }
  - key: search.example.com
    demand_rps: 300
    upstreams: { san-francisco: site-sf, berlin: site-ber, sydney: site-syd }
`;
