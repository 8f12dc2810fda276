// The gRPC EnergyService: the same readings as POST /v1/energy, checked by the same parser, so a
// bad field is INVALID_ARGUMENT naming it and nothing of the call is applied. Counts are checked
// on the wire before decoding (wire-count.ts), per message and per stream; at most
// MAX_OPEN_REPORT_STREAMS streams are open at once (limits.ts).
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { applyReadings } from "../ingest/energy/apply-readings.js";
import { parseReadings, type EnergyReading } from "../ingest/energy/reading.js";
import type { ApplyResult, IgnoreReason, SiteEnergy } from "../ingest/energy/site-energy.js";
import { Code, ControllerError, type Parsed } from "../errors/controller-error.js";
import type { Logger } from "../ops/logger.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import {
  MAX_OPEN_REPORT_STREAMS, MAX_STREAM_FORECAST_POINTS, MAX_STREAM_READINGS, REPORT_STREAM_IDLE_MS, REPORT_STREAM_MAX_MS, REPORT_STREAM_RETRY_AFTER_SECONDS,
} from "./limits.js";
import { toServiceError } from "./errors.js";
import { CountedMessage, RefusedMessage, guardDeserializer } from "./wire-count.js";

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

type Incoming = CountedMessage<ReportRequest> | RefusedMessage;

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

// The parser names fields as JSON has them; the one that differs on this wire is the timestamp.
function withWireName(error: ControllerError): ControllerError {
  const field = error.field?.replace(/\.timestamp$/, ".timestamp_ms");
  if (field === undefined || field === error.field) return error;
  return ControllerError.invalid(field, error.message.slice(error.field!.length + 2));
}

/** An exception's type and where it was thrown; its message may quote the request, so it stays out. */
function described(e: unknown): { type: string; at: string[] } {
  if (!(e instanceof Error)) return { type: typeof e, at: [] };
  const at = (e.stack ?? "").split("\n").map((l) => l.trim()).filter((l) => l.startsWith("at "));
  return { type: e.name, at };
}

/**
 * Runs a call's event callbacks: the first exception is logged (type and stack, never the
 * request or its metadata) and answered INTERNAL; it would otherwise escape an event callback
 * and end the process.
 */
function callGuard(logger: Logger, method: string, fail: () => void): (work: () => void) => void {
  let failed = false;
  return (work) => {
    try {
      work();
    } catch (e) {
      if (failed) return;
      failed = true;
      logger.error({ method, error: described(e) }, `${method}: unexpected error; answered INTERNAL`);
      fail();
    }
  };
}

/** How long a stream may idle and last; the defaults are the limits.ts constants (tests shorten them). */
export interface StreamTimeouts {
  readonly idleMs: number;
  readonly maxMs: number;
}

export function energyServiceHandlers(
  energy: SiteEnergy, metrics: ControllerMetrics, logger: Logger,
  timeouts: StreamTimeouts = { idleMs: REPORT_STREAM_IDLE_MS, maxMs: REPORT_STREAM_MAX_MS },
): grpc.UntypedServiceImplementation {
  /** Decodes a counted message and checks its readings with the parser HTTP uses. */
  const parse = (request: CountedMessage<ReportRequest>, nowMs: number, prefix: string): Parsed<EnergyReading[]> => {
    const decoded = request.decode();
    if (decoded instanceof RefusedMessage) return { error: decoded.toError(prefix) };
    const shaped = toJsonShape(decoded, prefix);
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
    const result: ApplyResult = applyReadings(energy, metrics, "grpc", messages.flat());
    callback(null, {
      accepted: result.applied,
      ignored: result.ignored.map((r) => ({ ...where[r.index]!, site: r.site, reason: IGNORE_REASON[r.reason] })),
    });
  };
  const internal = () => new ControllerError(Code.Internal, "internal error");
  let openStreams = 0;
  return {
    Report(call: grpc.ServerUnaryCall<Incoming, ReportResponse>, callback: grpc.sendUnaryData<ReportResponse>) {
      callGuard(logger, "Report", () => callback(toServiceError(internal()), null))(() => {
        const request = call.request;
        if (request instanceof RefusedMessage) return refuse(request.toError(), callback);
        const parsed = parse(request, Date.now(), "");
        if (parsed.error) refuse(parsed.error, callback);
        else apply([parsed.value], callback);
      });
    },
    ReportStream(call: grpc.ServerReadableStream<Incoming, ReportResponse>, callback: grpc.sendUnaryData<ReportResponse>) {
      // Refused before any message is read: without a data listener, grpc-js decodes nothing.
      if (openStreams >= MAX_OPEN_REPORT_STREAMS) {
        metrics.reportStreamsRefused.inc();
        callback(toServiceError(new ControllerError(Code.ResourceExhausted,
          `${MAX_OPEN_REPORT_STREAMS} ReportStream calls are open, the most at once; retry in ${REPORT_STREAM_RETRY_AFTER_SECONDS} s`,
          undefined, REPORT_STREAM_RETRY_AFTER_SECONDS)), null);
        return;
      }
      metrics.reportStreamsOpen.set(++openStreams);
      const messages: EnergyReading[][] = [];
      let readings = 0;
      let points = 0;
      let done = false;
      /** Ends the call's share of the budget, once, whichever way the call ends. */
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(idle);
        clearTimeout(longest);
        metrics.reportStreamsOpen.set(--openStreams);
      };
      // Answer at once and read no further: the call is paused here, and grpc-js ends it (later
      // messages are neither buffered nor decoded) once the status is out.
      const stop = (error: ControllerError) => {
        finish();
        call.pause();
        refuse(error, callback);
      };
      const run = callGuard(logger, "ReportStream", () => stop(internal()));
      const tooSlow = (what: string) => () => run(() => {
        if (!done) stop(new ControllerError(Code.DeadlineExceeded, `messages: ${what}; nothing of this stream was applied`, "messages"));
      });
      let idle = setTimeout(tooSlow(`no message for ${timeouts.idleMs} ms`), timeouts.idleMs);
      const longest = setTimeout(tooSlow(`open longer than ${timeouts.maxMs} ms`), timeouts.maxMs);
      call.on("data", (request: Incoming) => run(() => {
        if (done) return;
        clearTimeout(idle);
        idle = setTimeout(tooSlow(`no message for ${timeouts.idleMs} ms`), timeouts.idleMs);
        const n = messages.length;
        if (request instanceof RefusedMessage) return stop(request.toError(`messages.${n}.`));
        // The stream's budgets, on the wire counts: a message over them is never decoded.
        if (readings + request.readings > MAX_STREAM_READINGS) {
          return stop(ControllerError.invalid("readings", `${readings + request.readings} readings by message ${n}; at most ${MAX_STREAM_READINGS} per stream`));
        }
        if (points + request.forecastPoints > MAX_STREAM_FORECAST_POINTS) {
          return stop(ControllerError.invalid("readings.forecast",
            `${points + request.forecastPoints} forecast points by message ${n}; at most ${MAX_STREAM_FORECAST_POINTS} per stream`));
        }
        // Each message is checked against the clock when it arrives.
        const parsed = parse(request, Date.now(), `messages.${n}.`);
        if (parsed.error) return stop(parsed.error);
        messages.push(parsed.value);
        readings += request.readings;
        points += request.forecastPoints;
      }));
      call.on("end", () => run(() => {
        if (done) return;
        finish();
        if (messages.length === 0) refuse(ControllerError.invalid("messages", "expected at least one message"), callback);
        else apply(messages, callback);
      }));
      call.on("cancelled", finish);
    },
  };
}
