// Hostile EnergyService input over a real connection: counts far over the caps, oversized
// messages, streams that go on after being refused, and more streams open at once than allowed.
// Each is answered with a clear status, what was refused is never decoded, and the server keeps
// serving the next call.
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/ingest/energy/site-energy.js";
import { energyServiceDefinition, energyServiceHandlers, loadEnergyProto } from "../../../controller/grpc/energy-service.js";
import {
  GRPC_SERVER_OPTIONS, MAX_OPEN_REPORT_STREAMS, MAX_RECEIVE_MESSAGE_BYTES, MAX_STREAM_FORECAST_POINTS, MAX_STREAM_READINGS,
} from "../../../controller/grpc/limits.js";
import { guardDeserializer } from "../../../controller/grpc/wire-count.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS } from "../auth/support.js";
import { EnergyClient, emptyReadings } from "./support/energy-client.js";

let server: grpc.Server;
let energy: SiteEnergy;
let metrics: ControllerMetrics;
let client: EnergyClient;
/** How many ReportStream messages the server has received (counted on the wire, decoded or not). */
let streamMessagesRead: number;
/** How many messages protobuf has decoded, per method. */
let decoded: { Report: number; ReportStream: number };

// The production handlers and wire guard, with counters around the reads and the decodes.
beforeEach(async () => {
  energy = new SiteEnergy((await loadConfig(undefined)).sites);
  metrics = new ControllerMetrics();
  streamMessagesRead = 0;
  decoded = { Report: 0, ReportStream: 0 };
  const v1 = (loadEnergyProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
  const plain = (v1["EnergyService"] as grpc.ServiceClientConstructor).service;
  const guarded = (name: "Report" | "ReportStream") =>
    guardDeserializer((bytes: Buffer) => (decoded[name]++, plain[name]!.requestDeserialize(bytes)));
  const stream = guarded("ReportStream");
  server = new grpc.Server(GRPC_SERVER_OPTIONS);
  server.addService({
    Report: { ...plain["Report"]!, requestDeserialize: guarded("Report") },
    ReportStream: { ...plain["ReportStream"]!, requestDeserialize: (bytes: Buffer) => (streamMessagesRead++, stream(bytes)) },
  }, energyServiceHandlers(energy, metrics, createLogger("silent")));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  client = new EnergyClient(port, TOKENS.writer[0]!);
});

afterEach(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

const SITES = ["berlin", "sydney", "san-francisco"];

/** `n` valid readings, all at distinct times before `beforeMs`, each with `points` forecast points 5 minutes apart. */
const valid = (n: number, beforeMs = Date.now(), points = 0) => ({
  readings: Array.from({ length: n }, (_, i) => ({
    site: SITES[i % 3]!, timestamp_ms: beforeMs - i, pv_watts: i,
    forecast: Array.from({ length: points }, (_, j) => ({ timestamp_ms: beforeMs - i + j * 300_000, pv_watts: j })),
  })),
});

/** Polls `check` every 10 ms until it holds; bounded, so a broken test fails instead of hanging. */
async function waitFor(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const openStreams = async () => (await metrics.reportStreamsOpen.get()).values[0]?.value ?? 0;
const refusedStreams = async () => (await metrics.reportStreamsRefused.get()).values[0]?.value ?? 0;

/** A valid call after a refused one: the server is alive and applies it. */
async function stillServing(): Promise<void> {
  const { error, response } = await client.report({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 42 }] });
  expect(error).toBeNull();
  expect(response?.accepted).toBe(1);
  expect(energy.get("berlin")?.pvWatts).toBe(42);
}

describe("EnergyService under hostile input", () => {
  it("refuses a 3 MB Report of 1.5 million empty readings by count, without decoding it, and keeps serving", async () => {
    const bytes = emptyReadings(1_500_000);
    expect(bytes.length).toBeLessThan(MAX_RECEIVE_MESSAGE_BYTES);
    const { error } = await client.reportBytes(bytes);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe("readings: 1500000 readings in one message; at most 1000");
    expect(error?.metadata.get("field")).toEqual(["readings"]);
    expect(energy.currentRevision).toBe(0);
    expect(decoded.Report).toBe(0);
    await stillServing();
  });

  it("refuses a stream message of 125,000 empty readings, and keeps serving", async () => {
    const { error } = await client.streamBytes([emptyReadings(125_000)]);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe("messages.0.readings: 125000 readings in one message; at most 1000");
    expect(error?.metadata.get("field")).toEqual(["messages.0.readings"]);
    await stillServing();
  });

  it("refuses a stream over the per-stream cap when the message that crosses it arrives", async () => {
    const now = Date.now();
    const messages = Array.from({ length: MAX_STREAM_READINGS / 1000 }, (_, m) => client.encode(valid(1000, now - m * 1000)));
    const { error } = await client.streamBytes([...messages, client.encode(valid(1))]);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe("readings: 10001 readings by message 10; at most 10000 per stream");
    expect(energy.currentRevision).toBe(0);
    // Counted on the wire: the message that crossed the cap was never decoded.
    expect(decoded.ReportStream).toBe(10);
    const full = await client.streamBytes(messages);
    expect(full.response).toEqual({ accepted: MAX_STREAM_READINGS, ignored: [] });
  });

  it("refuses a stream over the forecast budget when the message that crosses it arrives, without decoding it", async () => {
    const now = Date.now();
    // 500 readings with a day of 5-minute points each: the whole budget, in two messages.
    const first = client.encode(valid(300, now, 288));
    const second = client.encode(valid(200, now - 300, 288));
    const { error } = await client.streamBytes([first, second, client.encode(valid(1, now - 500, 1))]);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe(`readings.forecast: ${MAX_STREAM_FORECAST_POINTS + 1} forecast points by message 2; at most 144000 per stream`);
    expect(error?.metadata.get("field")).toEqual(["readings.forecast"]);
    expect(decoded.ReportStream).toBe(2);
    expect(energy.currentRevision).toBe(0);
    const full = await client.streamBytes([first, second]);
    expect(full.response).toEqual({ accepted: 500, ignored: [] });
    expect(energy.get("berlin")?.reportedForecast).toHaveLength(288);
  });

  it("refuses a Report over the forecast budget of one message without decoding it, and keeps serving", async () => {
    // 501 readings of 288 points (144,288): within the message size, over the budget.
    const bytes = Buffer.concat(Array(501).fill(client.encode(valid(1, Date.now(), 288))));
    expect(bytes.length).toBeLessThan(MAX_RECEIVE_MESSAGE_BYTES);
    const { error } = await client.reportBytes(bytes);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe("readings.forecast: 144288 forecast points in one message; at most 144000");
    expect(error?.metadata.get("field")).toEqual(["readings.forecast"]);
    expect(decoded.Report).toBe(0);
    await stillServing();
  });

  it(`keeps at most ${MAX_OPEN_REPORT_STREAMS} streams open: one more is refused at once with RESOURCE_EXHAUSTED and a retry hint`, async () => {
    const base = Date.now() - 60_000;
    const one = (i: number) => client.encode({ readings: [{ site: "berlin", timestamp_ms: base + i, pv_watts: i }] });
    const open = Array.from({ length: MAX_OPEN_REPORT_STREAMS }, (_, i) => client.openStream([one(i)]));
    await waitFor(async () => (await openStreams()) === MAX_OPEN_REPORT_STREAMS && decoded.ReportStream === MAX_OPEN_REPORT_STREAMS);
    // Left open by the client: the answer can only come from the server refusing it.
    const refused = await client.streamBytes([one(100)], { end: false });
    expect(refused.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.error?.details).toBe("8 ReportStream calls are open, the most at once; retry in 1 s");
    expect(refused.error?.metadata.get("grpc-retry-pushback-ms")).toEqual(["1000"]);
    expect(decoded.ReportStream).toBe(MAX_OPEN_REPORT_STREAMS);
    expect(await refusedStreams()).toBe(1);
    expect((await metrics.readingsRejected.get()).values).toEqual([]); // overload, not bad input

    // A stream that ends, and one the client cancels, each give their place back.
    open[0]!.end();
    expect((await open[0]!.answer).response).toEqual({ accepted: 1, ignored: [] });
    open[1]!.cancel();
    expect((await open[1]!.answer).error?.code).toBe(grpc.status.CANCELLED);
    await waitFor(async () => (await openStreams()) === MAX_OPEN_REPORT_STREAMS - 2);
    const again = [client.openStream([one(8)]), client.openStream([one(9)])];
    await waitFor(async () => (await openStreams()) === MAX_OPEN_REPORT_STREAMS);
    for (const s of [...open.slice(2), ...again]) {
      s.end();
      expect((await s.answer).response).toEqual({ accepted: 1, ignored: [] });
    }
    expect(await openStreams()).toBe(0);
    expect(await refusedStreams()).toBe(1);
    expect(energy.get("berlin")?.pvWatts).toBe(9);
  });

  it("answers a refused stream at once, while it is still open, and reads no further message", async () => {
    const later = Array.from({ length: 200 }, () => client.encode(valid(1000)));
    const bad = client.encode({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: -1 }] });
    const { error } = await client.streamBytes([bad, ...later], { end: false });
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^messages\.0\.readings\.0\.pv_watts: /);
    // Flow control may have delivered a few messages' bytes; none of the ~8 MB behind them.
    expect(streamMessagesRead).toBeLessThan(10);
    expect(energy.currentRevision).toBe(0);
    await stillServing();
  });

  it("refuses a message over the receive limit before decoding it, and keeps serving", async () => {
    const { error } = await client.reportBytes(emptyReadings(MAX_RECEIVE_MESSAGE_BYTES / 2 + 1));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await stillServing();
  });

  it("refuses bytes that are not a ReportRequest with INVALID_ARGUMENT", async () => {
    const { error } = await client.reportBytes(Buffer.from([0x0a, 0x05, 0x00]));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.metadata.get("field")).toEqual(["(message)"]);
    await stillServing();
  });
});

describe("EnergyService streams that take too long", () => {
  // Its own server, with the idle and lifetime limits shortened from 30 s and 5 min.
  let slow: grpc.Server;
  let slowClient: EnergyClient;
  beforeEach(async () => {
    slow = new grpc.Server(GRPC_SERVER_OPTIONS);
    slow.addService(energyServiceDefinition(), energyServiceHandlers(energy, metrics, createLogger("silent"), { idleMs: 150, maxMs: 600 }));
    const port = await new Promise<number>((resolve, reject) =>
      slow.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    slowClient = new EnergyClient(port, TOKENS.writer[0]!);
  });
  afterEach(async () => {
    slowClient.close();
    await new Promise<void>((resolve) => slow.tryShutdown(() => resolve()));
  });

  it("ends an idle stream with DEADLINE_EXCEEDED, applies nothing of it and frees its slot", async () => {
    const { error } = await slowClient.streamBytes([slowClient.encode(valid(3))], { end: false });
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error?.details).toMatch(/^messages: no message for 150 ms; nothing of this stream was applied$/);
    expect(energy.currentRevision).toBe(0);
    expect(await openStreams()).toBe(0);
  });

  it("ends a stream that drips messages past its lifetime the same way", async () => {
    const answer = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = slowClient.rawStream((error) => {
        clearInterval(drip);
        resolve(error);
      });
      const drip = setInterval(() => call.write(slowClient.encode(valid(1))), 50);
    });
    const error = await answer;
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error?.details).toMatch(/open longer than 600 ms/);
    expect(energy.currentRevision).toBe(0);
    expect(await openStreams()).toBe(0);
  });
});
