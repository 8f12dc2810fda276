// The server's message sizes are the encoded sizes of the largest valid messages, measured here
// with the real serializer: a valid message always fits, and the limit is no larger than needed.
import { describe, expect, it } from "vitest";
import { MAX_BATCH_READINGS, MAX_FORECAST_POINTS } from "../../../controller/ingest/energy/reading.js";
import { energyServiceDefinition } from "../../../controller/grpc/energy-service.js";
import { loadLedgerProto } from "../../../controller/grpc/ledger-service.js";
import {
  GRPC_SERVER_OPTIONS, MAX_CONCURRENT_STREAMS_PER_CONNECTION, MAX_MESSAGE_FORECAST_POINTS, MAX_MESSAGE_READINGS, MAX_OPEN_REPORT_STREAMS,
  MAX_RECEIVE_MESSAGE_BYTES, MAX_SEND_MESSAGE_BYTES, MAX_STREAM_FORECAST_POINTS, MAX_STREAM_READINGS, REPORT_STREAM_RETRY_AFTER_SECONDS,
} from "../../../controller/grpc/limits.js";
import { MAX_RECORD_BYTES } from "../../../controller/ledger/records/codec.js";
import type * as grpc from "@grpc/grpc-js";

const report = energyServiceDefinition()["Report"]!;
const SITE = "s".repeat(63);
// -1 is the widest int64 on the wire (ten bytes); a real timestamp takes six.
const WIDEST_INT64 = "-1";

describe("gRPC limits", () => {
  it("has caps per message (readings: the HTTP batch cap) and per stream, and bounds open calls", () => {
    expect(MAX_MESSAGE_READINGS).toBe(MAX_BATCH_READINGS);
    expect(MAX_MESSAGE_READINGS).toBe(1_000);
    expect(MAX_STREAM_READINGS).toBe(10_000);
    // A stream fits 500 sites' readings with a day of 5-minute points each; so does one message.
    expect(MAX_STREAM_FORECAST_POINTS).toBe(500 * 288);
    expect(MAX_MESSAGE_FORECAST_POINTS).toBe(MAX_STREAM_FORECAST_POINTS);
    expect(MAX_OPEN_REPORT_STREAMS).toBe(8);
    expect(REPORT_STREAM_RETRY_AFTER_SECONDS).toBe(1);
    expect(GRPC_SERVER_OPTIONS).toEqual({
      "grpc.max_receive_message_length": MAX_RECEIVE_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_SEND_MESSAGE_BYTES,
      "grpc.max_concurrent_streams": MAX_CONCURRENT_STREAMS_PER_CONNECTION,
    });
    expect(MAX_CONCURRENT_STREAMS_PER_CONNECTION).toBe(16);
  });

  it("receives exactly the largest valid ReportRequest", () => {
    const reading = (points: number) => ({
      site: SITE, timestamp_ms: WIDEST_INT64, pv_watts: 1, battery_soc_percent: 1, battery_capacity_wh: 1, grid_carbon_g_per_kwh: 1,
      health: 3, forecast: Array.from({ length: points }, () => ({ timestamp_ms: WIDEST_INT64, pv_watts: 1 })),
    });
    // A ReportRequest is its readings' encodings one after another, so a message's size is the
    // sum of its readings' sizes (checked at 10).
    const size = (...points: number[]) => report.requestSerialize({ readings: points.map(reading) }).length;
    expect(size(...Array(10).fill(7))).toBe(10 * size(7));
    // The budget spread over every reading (144 points each) is the widest layout: each reading's
    // length prefix takes two bytes. Packed into full readings, or into fewer, it is smaller.
    const spread = MAX_MESSAGE_FORECAST_POINTS / MAX_MESSAGE_READINGS;
    expect(spread).toBe(144);
    expect(size(spread) * MAX_MESSAGE_READINGS).toBe(MAX_RECEIVE_MESSAGE_BYTES);
    const full = MAX_MESSAGE_FORECAST_POINTS / MAX_FORECAST_POINTS;
    expect(size(MAX_FORECAST_POINTS) * full + size(0) * (MAX_MESSAGE_READINGS - full)).toBeLessThan(MAX_RECEIVE_MESSAGE_BYTES);
    expect(size(MAX_FORECAST_POINTS) * full).toBeLessThan(MAX_RECEIVE_MESSAGE_BYTES);
    expect(MAX_RECEIVE_MESSAGE_BYTES).toBe(3_285_000);
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
