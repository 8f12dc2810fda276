// Hostile EnergyService input over a real connection: counts far over the caps, oversized
// messages and streams that go on after being refused. Each is answered with a clear status and
// the server keeps serving the next call.
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../controller/config/load.js";
import { SiteEnergy } from "../../../controller/energy/site-energy.js";
import { energyServiceDefinition, energyServiceHandlers } from "../../../controller/grpc/energy-service.js";
import { GRPC_SERVER_OPTIONS, MAX_RECEIVE_MESSAGE_BYTES, MAX_STREAM_READINGS } from "../../../controller/grpc/limits.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS } from "../auth/support.js";
import { EnergyClient, emptyReadings } from "./support/energy-client.js";

let server: grpc.Server;
let energy: SiteEnergy;
let client: EnergyClient;
/** How many ReportStream messages the server has deserialized. */
let streamMessagesRead: number;

// The production service and handlers, with a counter around the stream's (guarded) deserializer.
beforeEach(async () => {
  energy = new SiteEnergy((await loadConfig(undefined)).sites);
  streamMessagesRead = 0;
  const definition = energyServiceDefinition();
  const stream = definition["ReportStream"]!;
  server = new grpc.Server(GRPC_SERVER_OPTIONS);
  server.addService({
    ...definition,
    ReportStream: { ...stream, requestDeserialize: (bytes: Buffer) => (streamMessagesRead++, stream.requestDeserialize(bytes)) },
  }, energyServiceHandlers(energy, new ControllerMetrics()));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  client = new EnergyClient(port, TOKENS.writer[0]!);
});

afterEach(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

/** `n` valid readings, all at distinct times before `beforeMs`. */
const valid = (n: number, beforeMs = Date.now()) => ({
  readings: Array.from({ length: n }, (_, i) => ({ site: ["berlin", "sydney", "san-francisco"][i % 3]!, timestamp_ms: beforeMs - i, pv_watts: i })),
});

/** A valid call after a refused one: the server is alive and applies it. */
async function stillServing(): Promise<void> {
  const { error, response } = await client.report({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 42 }] });
  expect(error).toBeNull();
  expect(response?.accepted).toBe(1);
  expect(energy.get("berlin")?.pvWatts).toBe(42);
}

describe("EnergyService under hostile input", () => {
  it("refuses a 4 MB Report of two million empty readings by count, and keeps serving", async () => {
    const bytes = emptyReadings(2_000_000);
    expect(bytes.length).toBe(4_000_000);
    const { error } = await client.reportBytes(bytes);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe("readings: 2000000 readings in one message; at most 1000");
    expect(error?.metadata.get("field")).toEqual(["readings"]);
    expect(energy.currentRevision).toBe(0);
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
    const full = await client.streamBytes(messages);
    expect(full.response).toEqual({ accepted: MAX_STREAM_READINGS, ignored: [] });
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
