// A real gRPC client for EnergyService on loopback: calls with messages, and with raw bytes for
// what a hostile client sends (the serializer is bypassed, so any wire bytes go out). Every call
// carries the writer credential it was made with.
import * as grpc from "@grpc/grpc-js";
import { energyServiceDefinition, loadEnergyProto } from "../../../../controller/grpc/energy-service.js";

export interface IgnoredAnswer {
  message: number;
  index: number;
  site: string;
  reason: number;
}

export interface Answer {
  error: grpc.ServiceError | null;
  response: { accepted: number; ignored: IgnoredAnswer[] } | null;
}

type Callback = (error: grpc.ServiceError | null, response?: Answer["response"]) => void;

export class EnergyClient {
  private readonly client: grpc.Client & Record<string, Function>;
  private readonly raw: grpc.Client;
  private readonly definition = energyServiceDefinition();

  constructor(port: number, private readonly token: string) {
    const v1 = (loadEnergyProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
    const EnergyService = v1["EnergyService"] as grpc.ServiceClientConstructor;
    this.client = new EnergyService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
    this.raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  report(request: object): Promise<Answer> {
    return new Promise((resolve) => this.client["Report"]!(request, this.metadata(), ((error, response) => resolve({ error, response: response ?? null })) as Callback));
  }

  stream(requests: object[]): Promise<Answer> {
    return new Promise((resolve) => {
      const call = this.client["ReportStream"]!(this.metadata(), ((error, response) => resolve({ error, response: response ?? null })) as Callback);
      for (const r of requests) call.write(r);
      call.end();
    });
  }

  /** A Report whose request is these bytes exactly. */
  reportBytes(bytes: Buffer): Promise<Answer> {
    const method = this.definition["Report"]!;
    return new Promise((resolve) => {
      this.raw.makeUnaryRequest(method.path, (b: Buffer) => b, method.responseDeserialize, bytes, this.metadata(),
        ((error, response) => resolve({ error, response: (response ?? null) as Answer["response"] })) as Callback);
    });
  }

  /**
   * A ReportStream of these messages as bytes. With `end: false` the stream is left open: the
   * answer can only come from the server refusing it.
   */
  streamBytes(messages: Buffer[], options: { end?: boolean } = {}): Promise<Answer> {
    const method = this.definition["ReportStream"]!;
    return new Promise((resolve) => {
      const call = this.raw.makeClientStreamRequest(method.path, (b: Buffer) => b, method.responseDeserialize, this.metadata(),
        ((error, response) => resolve({ error, response: (response ?? null) as Answer["response"] })) as Callback);
      for (const m of messages) call.write(m);
      if (options.end ?? true) call.end();
    });
  }

  /** A ReportStream of these messages as bytes, left open until `end()` (or `cancel()`). */
  openStream(messages: Buffer[]): { answer: Promise<Answer>; end(): void; cancel(): void } {
    const method = this.definition["ReportStream"]!;
    let call!: grpc.ClientWritableStream<Buffer>;
    const answer = new Promise<Answer>((resolve) => {
      call = this.raw.makeClientStreamRequest(method.path, (b: Buffer) => b, method.responseDeserialize, this.metadata(),
        ((error, response) => resolve({ error, response: (response ?? null) as Answer["response"] })) as Callback);
    });
    for (const m of messages) call.write(m);
    return { answer, end: () => call.end(), cancel: () => call.cancel() };
  }

  /** An open ReportStream of raw message bytes, written by the caller; `done` gets the answer. */
  rawStream(done: (error: grpc.ServiceError | null) => void): grpc.ClientWritableStream<Buffer> {
    const method = this.definition["ReportStream"]!;
    return this.raw.makeClientStreamRequest(method.path, (b: Buffer) => b, method.responseDeserialize, this.metadata(),
      ((error) => done(error)) as Callback);
  }

  /** Encodes a ReportRequest with the service's own serializer. */
  encode(request: object): Buffer {
    return this.definition["Report"]!.requestSerialize(request);
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${this.token}`);
    return metadata;
  }

  close(): void {
    this.client.close();
    this.raw.close();
  }
}

/** `n` empty readings (tag 0x0a, length 0): the smallest bytes that protobuf decodes to n readings. */
export function emptyReadings(n: number): Buffer {
  return Buffer.alloc(2 * n).fill(Buffer.from([0x0a, 0x00]));
}
