// The gRPC EnergyService: the same readings as POST /v1/energy, checked by the same parser, so a
// bad field is INVALID_ARGUMENT naming it and nothing of the call is applied.
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { parseReadings } from "../energy/reading.js";
import type { SiteEnergy } from "../energy/site-energy.js";
import { ControllerError } from "../errors/controller-error.js";
import { grpcStatus } from "../errors/status.js";
import type { ControllerMetrics } from "../ops/metrics.js";

export const ENERGY_PROTO = join(import.meta.dirname, "energy.proto");

const HEALTH = ["", "healthy", "unhealthy", "draining"] as const;
/** Cap on readings per ReportStream call: the whole call is validated before it is applied. */
const MAX_STREAM_READINGS = 10_000;

interface ReadingMessage {
  site: string;
  timestamp_ms: string;
  pv_watts?: number;
  battery_soc_percent?: number;
  battery_capacity_wh?: number;
  grid_carbon_g_per_kwh?: number;
  health: number;
  forecast: Array<{ timestamp_ms: string; pv_watts: number }>;
}

interface ReportRequest {
  readings: ReadingMessage[];
}

export function loadEnergyProto(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(ENERGY_PROTO, {
    keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(definition);
}

export function energyServiceDefinition(): grpc.ServiceDefinition {
  const solar = loadEnergyProto()["solar"] as grpc.GrpcObject;
  const v1 = solar["v1"] as grpc.GrpcObject;
  return (v1["EnergyService"] as grpc.ServiceClientConstructor).service;
}

/** The wire message in the JSON shape parseReadings reads (unset optionals left out). */
function toJsonShape(readings: ReadingMessage[]): unknown {
  return {
    readings: readings.map((r) => ({
      site: r.site,
      timestamp: Number(r.timestamp_ms),
      ...(r.pv_watts !== undefined ? { pv_watts: r.pv_watts } : {}),
      ...(r.battery_soc_percent !== undefined ? { battery_soc_percent: r.battery_soc_percent } : {}),
      ...(r.battery_capacity_wh !== undefined ? { battery_capacity_wh: r.battery_capacity_wh } : {}),
      ...(r.grid_carbon_g_per_kwh !== undefined ? { grid_carbon_g_per_kwh: r.grid_carbon_g_per_kwh } : {}),
      ...(r.health > 0 && r.health < HEALTH.length ? { health: HEALTH[r.health] } : {}),
      ...(r.forecast.length > 0
        ? { forecast: r.forecast.map((p) => ({ timestamp: Number(p.timestamp_ms), pv_watts: p.pv_watts })) }
        : {}),
    })),
  };
}

function toServiceError(error: ControllerError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (error.field) metadata.set("field", error.field);
  return { code: grpcStatus(error.code), details: error.message, metadata };
}

export function energyServiceHandlers(energy: SiteEnergy, metrics: ControllerMetrics): grpc.UntypedServiceImplementation {
  const applyAll = (readings: ReadingMessage[]): { accepted: number } | ControllerError => {
    const parsed = parseReadings(toJsonShape(readings), energy.siteNames, Date.now());
    if (parsed.error) return parsed.error;
    energy.apply(parsed.value);
    return { accepted: parsed.value.length };
  };
  const finish = (result: { accepted: number } | ControllerError, callback: grpc.sendUnaryData<{ accepted: number }>): void => {
    if (result instanceof ControllerError) {
      metrics.readingsRejected.inc({ source: "grpc" });
      callback(toServiceError(result), null);
    } else {
      metrics.readingsAccepted.inc({ source: "grpc" }, result.accepted);
      callback(null, result);
    }
  };
  return {
    Report(call: grpc.ServerUnaryCall<ReportRequest, { accepted: number }>, callback: grpc.sendUnaryData<{ accepted: number }>) {
      finish(applyAll(call.request.readings), callback);
    },
    ReportStream(call: grpc.ServerReadableStream<ReportRequest, { accepted: number }>, callback: grpc.sendUnaryData<{ accepted: number }>) {
      const readings: ReadingMessage[] = [];
      let refused: ControllerError | null = null;
      call.on("data", (request: ReportRequest) => {
        if (refused !== null) return;
        readings.push(...request.readings);
        if (readings.length > MAX_STREAM_READINGS) {
          refused = ControllerError.invalid("readings", `more than ${MAX_STREAM_READINGS} readings in one stream`);
        }
      });
      call.on("end", () => finish(refused ?? applyAll(readings), callback));
    },
  };
}
