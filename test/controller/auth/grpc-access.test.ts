// The gRPC access interceptor on a plain grpc-js server with a bytes-in, bytes-out test service:
// open, reader and unlisted methods (unlisted means writer), and what the handler gets to see.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessInterceptor, methodPaths } from "../../../controller/auth/grpc-access.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS, UNKNOWN_TOKEN, bearer, credentials, refusalCounts } from "./support.js";

const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const method = (path: string) => ({
  path, requestStream: false, responseStream: false,
  requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize,
  responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize,
});
const definition = { Open: method("/test.Probe/Open"), Read: method("/test.Probe/Read"), Later: method("/test.Probe/Later") };

let server: grpc.Server;
const metrics = new ControllerMetrics();
let client: grpc.Client & Record<string, Function>;
const seenMetadata: grpc.Metadata[] = [];

beforeAll(async () => {
  server = new grpc.Server({
    interceptors: [accessInterceptor(credentials(), { open: [definition.Open.path], reader: [definition.Read.path] }, metrics)],
  });
  const echo = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    seenMetadata.push(call.metadata);
    callback(null, call.request);
  };
  server.addService(definition, { Open: echo, Read: echo, Later: echo });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const Client = grpc.makeGenericClientConstructor(definition, "Probe");
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
});

const call = (name: string, ...authorization: string[]) => {
  const metadata = new grpc.Metadata();
  for (const value of authorization) metadata.add("authorization", value);
  return new Promise<{ code: grpc.status; details?: string }>((resolve) =>
    client[name]!(Buffer.from("ping"), metadata, (error: grpc.ServiceError | null) =>
      resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK })));
};

describe("accessInterceptor", () => {
  it("lists every method path of a service definition", () => {
    expect(methodPaths(definition)).toEqual(["/test.Probe/Open", "/test.Probe/Read", "/test.Probe/Later"]);
  });

  it("lets anyone call an open method", async () => {
    expect((await call("Open")).code).toBe(grpc.status.OK);
    expect((await call("Open", bearer(UNKNOWN_TOKEN))).code).toBe(grpc.status.OK);
  });

  it("lets readers and writers call a reader method, nobody else", async () => {
    expect((await call("Read")).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await call("Read", bearer(UNKNOWN_TOKEN))).code).toBe(grpc.status.UNAUTHENTICATED);
    for (const token of [...TOKENS.reader, ...TOKENS.writer]) expect((await call("Read", bearer(token))).code).toBe(grpc.status.OK);
  });

  it("requires a writer credential for a method not listed at all (closed by default)", async () => {
    expect((await call("Later")).code).toBe(grpc.status.UNAUTHENTICATED);
    const denied = await call("Later", bearer(TOKENS.reader[0]!));
    expect(denied).toEqual({ code: grpc.status.PERMISSION_DENIED, details: "this endpoint needs a writer credential" });
    expect((await call("Later", bearer(TOKENS.writer[1]!))).code).toBe(grpc.status.OK);
  });

  it("refuses malformed authorization metadata, and takes the scheme name in any case", async () => {
    // (Two authorization values cannot be sent: HTTP/2 allows the header once, and grpc-js refuses.)
    for (const values of [["Basic abc"], [TOKENS.writer[0]!], ["Bearer"], [`Bearer ${TOKENS.writer[0]} x`], [""]]) {
      expect((await call("Later", ...values)).code, values.join(" | ")).toBe(grpc.status.UNAUTHENTICATED);
    }
    expect((await call("Later", `bearer ${TOKENS.writer[0]}`)).code).toBe(grpc.status.OK);
  });

  it("has both refusal series from the start, at 0", async () => {
    const fresh = new ControllerMetrics();
    accessInterceptor(credentials(), { open: [], reader: [] }, fresh);
    expect(await refusalCounts(fresh)).toEqual({ "grpc unauthenticated": 0, "grpc permission_denied": 0 });
  });

  it("counts every refusal by code, and neither accepted nor open calls", async () => {
    const before = await refusalCounts(metrics);
    for (const [name, authorization, expected] of [
      ["Open", undefined, grpc.status.OK], ["Open", bearer(UNKNOWN_TOKEN), grpc.status.OK],
      ["Read", bearer(TOKENS.reader[0]!), grpc.status.OK], ["Later", bearer(TOKENS.writer[0]!), grpc.status.OK],
      ["Read", undefined, grpc.status.UNAUTHENTICATED], ["Later", bearer(UNKNOWN_TOKEN), grpc.status.UNAUTHENTICATED],
      ["Later", "Basic dzp3", grpc.status.UNAUTHENTICATED],
      ["Later", bearer(TOKENS.reader[1]!), grpc.status.PERMISSION_DENIED],
    ] as const) {
      const outcome = authorization === undefined ? await call(name) : await call(name, authorization);
      expect(outcome.code, `${name} ${authorization}`).toBe(expected);
    }
    const after = await refusalCounts(metrics);
    expect(after).toEqual({
      "grpc unauthenticated": before["grpc unauthenticated"]! + 3,
      "grpc permission_denied": before["grpc permission_denied"]! + 1,
    });
  });

  it("hands the handler the call's metadata without the credential", async () => {
    seenMetadata.length = 0;
    expect((await call("Later", bearer(TOKENS.writer[0]!))).code).toBe(grpc.status.OK);
    expect(seenMetadata).toHaveLength(1);
    expect(seenMetadata[0]!.get("authorization")).toEqual([]);
  });
});
