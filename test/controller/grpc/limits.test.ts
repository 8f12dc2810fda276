// The server's message sizes are the encoded sizes of the largest valid messages, measured here
// with the real serializer: a valid message always fits, and the limit is no larger than needed.
import { describe, expect, it } from "vitest";
import { MAX_BATCH_READINGS, MAX_FORECAST_POINTS } from "../../../controller/energy/reading.js";
import { energyServiceDefinition } from "../../../controller/grpc/energy-service.js";
import { loadLedgerProto } from "../../../controller/grpc/ledger-service.js";
import {
  GRPC_SERVER_OPTIONS, MAX_MESSAGE_READINGS, MAX_RECEIVE_MESSAGE_BYTES, MAX_SEND_MESSAGE_BYTES, MAX_STREAM_READINGS,
} from "../../../controller/grpc/limits.js";
import { MAX_RECORD_BYTES } from "../../../controller/ledger/records/codec.js";
import type * as grpc from "@grpc/grpc-js";

const report = energyServiceDefinition()["Report"]!;
const SITE = "s".repeat(63);
// -1 is the widest int64 on the wire (ten bytes); a real timestamp takes six.
const WIDEST_INT64 = "-1";

describe("gRPC limits", () => {
  it("has one cap per message (the HTTP batch cap) and one per stream", () => {
    expect(MAX_MESSAGE_READINGS).toBe(MAX_BATCH_READINGS);
    expect(MAX_MESSAGE_READINGS).toBe(1_000);
    expect(MAX_STREAM_READINGS).toBe(10_000);
    expect(GRPC_SERVER_OPTIONS).toEqual({
      "grpc.max_receive_message_length": MAX_RECEIVE_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_SEND_MESSAGE_BYTES,
    });
  });

  it("receives exactly the largest valid ReportRequest", () => {
    const reading = {
      site: SITE, timestamp_ms: WIDEST_INT64, pv_watts: 1, battery_soc_percent: 1, battery_capacity_wh: 1, grid_carbon_g_per_kwh: 1,
      health: 3, forecast: Array.from({ length: MAX_FORECAST_POINTS }, () => ({ timestamp_ms: WIDEST_INT64, pv_watts: 1 })),
    };
    // A ReportRequest is its readings' encodings one after another, so one reading's size × the
    // cap is the full message's size (checked at 10).
    const size = (n: number) => report.requestSerialize({ readings: Array.from({ length: n }, () => reading) }).length;
    expect(size(10)).toBe(10 * size(1));
    expect(size(1) * MAX_MESSAGE_READINGS).toBe(MAX_RECEIVE_MESSAGE_BYTES);
    expect(MAX_RECEIVE_MESSAGE_BYTES).toBe(6_453_000);
  });

  it("sends exactly the largest ReportResponse, which is larger than any ledger answer", () => {
    const ignored = { message: 0xffff_ffff, index: 0xffff_ffff, site: SITE, reason: 2 };
    const bytes = (report as grpc.MethodDefinition<unknown, object>).responseSerialize({
      accepted: 0xffff_ffff, ignored: Array.from({ length: MAX_STREAM_READINGS }, () => ignored),
    });
    expect(bytes.length).toBe(MAX_SEND_MESSAGE_BYTES);
    const v1 = (loadLedgerProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
    const getEntry = (v1["LedgerService"] as grpc.ServiceClientConstructor).service["GetEntry"]!;
    const entry = getEntry.responseSerialize({ index: Number.MAX_SAFE_INTEGER, record: Buffer.alloc(MAX_RECORD_BYTES, 1) });
    expect(entry.length).toBeLessThan(MAX_SEND_MESSAGE_BYTES);
  });
});
