// The wire scan against messages the real protobuf serializer writes, hand-made edge cases, and
// the guarded deserializer's refusals.
import { describe, expect, it } from "vitest";
import type * as grpc from "@grpc/grpc-js";
import { loadEnergyProto } from "../../../controller/grpc/energy-service.js";
import { MAX_MESSAGE_FORECAST_POINTS, MAX_MESSAGE_READINGS } from "../../../controller/grpc/limits.js";
import { CountedMessage, RefusedMessage, countReadings, guardDeserializer } from "../../../controller/grpc/wire-count.js";

// The plain method definition: energyServiceDefinition() has its deserializers guarded already.
const v1 = (loadEnergyProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
const report = (v1["EnergyService"] as grpc.ServiceClientConstructor).service["Report"]!;
const encode = (request: object): Buffer => report.requestSerialize(request);
const NOW = Date.UTC(2026, 5, 21, 12);
const full = (i: number, points: number) => ({
  site: "berlin", timestamp_ms: NOW + i, pv_watts: 1, battery_soc_percent: 2, battery_capacity_wh: 3, grid_carbon_g_per_kwh: 4,
  health: 3, forecast: Array.from({ length: points }, (_, j) => ({ timestamp_ms: NOW + j, pv_watts: j })),
});
/** `n` empty readings (tag 0x0a, length 0), as a hostile client would send them. */
const empties = (n: number) => Buffer.alloc(2 * n).fill(Buffer.from([0x0a, 0x00]));
const never = () => {
  throw new Error("decoded");
};

describe("countReadings", () => {
  it("counts readings and their forecast points, and finds the first reading with too many", () => {
    expect(countReadings(encode({ readings: [] }))).toEqual({ readings: 0, forecastPoints: 0 });
    expect(countReadings(encode({ readings: [full(0, 288), full(1, 0), full(2, 5)] }))).toEqual({ readings: 3, forecastPoints: 293 });
    expect(countReadings(encode({ readings: [full(0, 3), full(1, 289), full(2, 300)] })))
      .toEqual({ readings: 3, forecastPoints: 3, forecastOver: { index: 1, points: 289 } });
    expect(countReadings(empties(2_000_000))).toEqual({ readings: 2_000_000, forecastPoints: 0 });
  });

  it("skips fields of every wire type it does not count", () => {
    const unknown = Buffer.from([
      0x48, 0x96, 0x01, // field 9, varint 150
      0x51, 1, 2, 3, 4, 5, 6, 7, 8, // field 10, fixed64
      0x5d, 1, 2, 3, 4, // field 11, fixed32
      0x62, 0x02, 0x0a, 0x00, // field 12, length-delimited: bytes that look like a reading, not counted
    ]);
    expect(countReadings(Buffer.concat([unknown, empties(3), unknown]))).toEqual({ readings: 3, forecastPoints: 0 });
  });

  const malformed: Array<[string, number[]]> = [
    ["a length past the end", [0x0a, 0x05, 0x00]],
    ["a cut-off varint", [0x48, 0x96]],
    ["a cut-off fixed64", [0x51, 1, 2, 3]],
    ["a varint longer than 10 bytes", [0x48, ...Array(10).fill(0xff), 0x01]],
    ["a group", [0x0b, 0x0c]],
    ["a reading whose forecast overruns it", [0x0a, 0x02, 0x42, 0x05]],
  ];
  for (const [name, bytes] of malformed) {
    it(`says null for ${name}`, () => {
      expect(countReadings(Buffer.from(bytes))).toBeNull();
    });
  }
});

describe("guardDeserializer", () => {
  const guarded = guardDeserializer(report.requestDeserialize);

  it("hands over a message within the caps counted, and decodes it as the plain deserializer does when asked", () => {
    const bytes = encode({ readings: [full(0, 2), full(1, 3)] });
    const counted = guarded(bytes) as CountedMessage<unknown>;
    expect(counted).toBeInstanceOf(CountedMessage);
    expect([counted.readings, counted.forecastPoints]).toEqual([2, 5]);
    expect(counted.decode()).toEqual(report.requestDeserialize(bytes));
    expect((guarded(empties(MAX_MESSAGE_READINGS)) as CountedMessage<unknown>).decode()).toMatchObject({ readings: { length: 1000 } });
  });

  it("decodes nothing until asked", () => {
    const counted = guardDeserializer(never)(encode({ readings: [full(0, 2)] })) as CountedMessage<unknown>;
    expect(counted).toBeInstanceOf(CountedMessage);
    expect((counted.decode() as RefusedMessage).toError().message).toBe("(message): not a valid ReportRequest: decoded");
  });

  it("refuses too many readings with the count and the cap, without decoding them", () => {
    const refused = guardDeserializer(never)(empties(2_000_000));
    expect(refused).toBeInstanceOf(RefusedMessage);
    expect((refused as RefusedMessage).toError().message).toBe("readings: 2000000 readings in one message; at most 1000");
    expect((refused as RefusedMessage).toError("messages.4.").field).toBe("messages.4.readings");
  });

  it("refuses a reading with too many forecast points, without decoding it", () => {
    const refused = guardDeserializer(never)(encode({ readings: [full(0, 1), full(1, 5_000)] })) as RefusedMessage;
    expect(refused.toError()).toMatchObject({ field: "readings.1.forecast", message: "readings.1.forecast: 5000 points; at most 288" });
  });

  it("takes a message of exactly the forecast budget, and refuses one point more without decoding it", () => {
    const fullReading = encode({ readings: [full(0, 288)] });
    const atBudget = Buffer.concat(Array(MAX_MESSAGE_FORECAST_POINTS / 288).fill(fullReading));
    expect(guardDeserializer(never)(atBudget)).toMatchObject({ readings: 500, forecastPoints: 144_000 });
    const over = guardDeserializer(never)(Buffer.concat([atBudget, encode({ readings: [full(1, 1)] })])) as RefusedMessage;
    expect(over).toBeInstanceOf(RefusedMessage);
    expect(over.toError("messages.2.")).toMatchObject({
      field: "messages.2.readings.forecast",
      message: "messages.2.readings.forecast: 144001 forecast points in one message; at most 144000",
    });
  });

  it("refuses bytes that are not protobuf wire format before decoding, naming the message", () => {
    const refused = guardDeserializer(never)(Buffer.from([0x0a, 0x05, 0x00])) as RefusedMessage;
    expect(refused).toBeInstanceOf(RefusedMessage);
    expect(refused.toError()).toMatchObject({
      code: "invalid_argument", field: "(message)", message: "(message): not a valid ReportRequest: malformed protobuf wire format",
    });
  });

  it("refuses wire format that protobuf cannot decode as a ReportRequest when it is decoded", () => {
    // Field 1 (readings) as a varint: well-formed wire, but not the message the field holds.
    const counted = guarded(Buffer.from([0x08, 0x01])) as CountedMessage<unknown>;
    expect(counted).toBeInstanceOf(CountedMessage);
    const refused = counted.decode() as RefusedMessage;
    expect(refused).toBeInstanceOf(RefusedMessage);
    expect(refused.toError().message).toMatch(/^\(message\): not a valid ReportRequest: /);
  });
});
