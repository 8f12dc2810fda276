// The gRPC EnergyService: the same readings as POST /v1/energy, checked by the same parser, so a
// bad field is INVALID_ARGUMENT naming it and nothing of the call is applied. Counts are checked
// on the wire before decoding (wire-count.ts) and per stream before anything is copied.
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { parseReadings, type EnergyReading } from "../energy/reading.js";
import type { ApplyResult, IgnoreReason, SiteEnergy } from "../energy/site-energy.js";
import { Code, ControllerError, type Parsed } from "../errors/controller-error.js";
import { grpcStatus } from "../errors/status.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { MAX_STREAM_READINGS } from "./limits.js";
import { RefusedMessage, guardDeserializer } from "./wire-count.js";

export const ENERGY_PROTO = join(import.meta.dirname, "energy.proto");

const HEALTH = ["", "healthy", "unhealthy", "draining"] as const;
const IGNORE_REASON: Record<IgnoreReason, number> = { older_than_latest: 1, duplicate: 2 };

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

interface ReportResponse {
  accepted: number;
  ignored: Array<{ message: number; index: number; site: string; reason: number }>;
}

type Incoming = ReportRequest | RefusedMessage;

export function loadEnergyProto(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(ENERGY_PROTO, {
    keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(definition);
}

/** The service with both methods' request deserializers guarded by the wire counts. */
export function energyServiceDefinition(): grpc.ServiceDefinition {
  const solar = loadEnergyProto()["solar"] as grpc.GrpcObject;
  const v1 = solar["v1"] as grpc.GrpcObject;
  const service = (v1["EnergyService"] as grpc.ServiceClientConstructor).service;
  return Object.fromEntries(Object.entries(service).map(([name, method]) =>
    [name, { ...method, requestDeserialize: guardDeserializer(method.requestDeserialize) }]));
}

/** The wire message in the JSON shape parseReadings reads (unset optionals left out). */
function toJsonShape(request: ReportRequest, prefix: string): Parsed<unknown> {
  const readings: unknown[] = [];
  for (const [i, r] of request.readings.entries()) {
    if (!Number.isInteger(r.health) || r.health < 0 || r.health >= HEALTH.length) {
      return { error: ControllerError.invalid(`${prefix}readings.${i}.health`, `unknown SiteHealth value ${r.health}; expected 0..${HEALTH.length - 1}`) };
    }
    readings.push({
      site: r.site,
      // proto3 cannot tell an unset int64 from 0, and 1970 is no reading's time: treat it as missing.
      ...(r.timestamp_ms !== "0" ? { timestamp: Number(r.timestamp_ms) } : {}),
      ...(r.pv_watts !== undefined ? { pv_watts: r.pv_watts } : {}),
      ...(r.battery_soc_percent !== undefined ? { battery_soc_percent: r.battery_soc_percent } : {}),
      ...(r.battery_capacity_wh !== undefined ? { battery_capacity_wh: r.battery_capacity_wh } : {}),
      ...(r.grid_carbon_g_per_kwh !== undefined ? { grid_carbon_g_per_kwh: r.grid_carbon_g_per_kwh } : {}),
      ...(r.health > 0 ? { health: HEALTH[r.health] } : {}),
      ...(r.forecast.length > 0
        ? { forecast: r.forecast.map((p) => ({ timestamp: Number(p.timestamp_ms), pv_watts: p.pv_watts })) }
        : {}),
    });
  }
  return { value: { readings } };
}

// A handler's exception would otherwise escape an event callback and end the process.
function guarded(fail: () => void, work: () => void): void {
  try {
    work();
  } catch {
    fail();
  }
}

// The parser names fields as JSON has them; the one that differs on this wire is the timestamp.
function withWireName(error: ControllerError): ControllerError {
  const field = error.field?.replace(/\.timestamp$/, ".timestamp_ms");
  if (field === undefined || field === error.field) return error;
  return ControllerError.invalid(field, error.message.slice(error.field!.length + 2));
}

function toServiceError(error: ControllerError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (error.field) metadata.set("field", error.field);
  return { code: grpcStatus(error.code), details: error.message, metadata };
}

export function energyServiceHandlers(energy: SiteEnergy, metrics: ControllerMetrics): grpc.UntypedServiceImplementation {
  const parse = (request: Incoming, nowMs: number, prefix: string): Parsed<EnergyReading[]> => {
    if (request instanceof RefusedMessage) return { error: request.toError(prefix) };
    const shaped = toJsonShape(request, prefix);
    if (shaped.error) return shaped;
    const parsed = parseReadings(shaped.value, energy.siteNames, nowMs, { fieldPrefix: prefix });
    return parsed.error ? { error: withWireName(parsed.error) } : parsed;
  };
  const refuse = (error: ControllerError, callback: grpc.sendUnaryData<ReportResponse>): void => {
    metrics.readingsRejected.inc({ source: "grpc" });
    callback(toServiceError(error), null);
  };
  /** Applies a call's messages as one batch and says which readings were not applied. */
  const apply = (messages: readonly EnergyReading[][], callback: grpc.sendUnaryData<ReportResponse>): void => {
    const where: Array<{ message: number; index: number }> = [];
    messages.forEach((m, message) => m.forEach((_, index) => where.push({ message, index })));
    const result: ApplyResult = energy.apply(messages.flat());
    metrics.readingsAccepted.inc({ source: "grpc" }, result.applied);
    for (const r of result.ignored) metrics.readingsIgnored.inc({ source: "grpc", reason: r.reason });
    callback(null, {
      accepted: result.applied,
      ignored: result.ignored.map((r) => ({ ...where[r.index]!, site: r.site, reason: IGNORE_REASON[r.reason] })),
    });
  };
  const internal = () => new ControllerError(Code.Internal, "internal error");
  return {
    Report(call: grpc.ServerUnaryCall<Incoming, ReportResponse>, callback: grpc.sendUnaryData<ReportResponse>) {
      guarded(() => callback(toServiceError(internal()), null), () => {
        const parsed = parse(call.request, Date.now(), "");
        if (parsed.error) refuse(parsed.error, callback);
        else apply([parsed.value], callback);
      });
    },
    ReportStream(call: grpc.ServerReadableStream<Incoming, ReportResponse>, callback: grpc.sendUnaryData<ReportResponse>) {
      const messages: EnergyReading[][] = [];
      let total = 0;
      let done = false;
      // Answer at once and read no further: the call is paused here, and grpc-js ends it (later
      // messages are neither buffered nor decoded) once the status is out.
      const stop = (error: ControllerError) => {
        done = true;
        call.pause();
        refuse(error, callback);
      };
      const fail = () => stop(internal());
      call.on("data", (request: Incoming) => guarded(fail, () => {
        if (done) return;
        const n = messages.length;
        if (!(request instanceof RefusedMessage) && total + request.readings.length > MAX_STREAM_READINGS) {
          return stop(ControllerError.invalid("readings", `${total + request.readings.length} readings by message ${n}; at most ${MAX_STREAM_READINGS} per stream`));
        }
        // Each message is checked against the clock when it arrives.
        const parsed = parse(request, Date.now(), `messages.${n}.`);
        if (parsed.error) return stop(parsed.error);
        messages.push(parsed.value);
        total += parsed.value.length;
      }));
      call.on("end", () => guarded(fail, () => {
        if (done) return;
        done = true;
        if (messages.length === 0) refuse(ControllerError.invalid("messages", "expected at least one message"), callback);
        else apply(messages, callback);
      }));
      call.on("cancelled", () => {
        done = true;
      });
    },
  };
}
