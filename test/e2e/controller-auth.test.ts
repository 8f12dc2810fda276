// Credentials on the controller process: its tokens come from the environment; refused and
// accepted calls over HTTP and gRPC leave no token in its logs; with no credentials it refuses
// writes and says how to configure them; a bad token source stops the start, naming the source.
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { loadEnergyProto } from "../../controller/grpc/energy-service.js";
import { rawRequest } from "../controller/auth/support.js";
import { newToken, startControllerProcess, type ControllerProcess } from "../support/controller-process.js";

const energyBody = () => JSON.stringify({ readings: [{ site: "berlin", timestamp: Date.now(), pv_watts: 4_321 }] });

function postEnergy(controller: ControllerProcess, token?: string, target = "/v1/energy") {
  const auth = token === undefined ? "" : `\r\nauthorization: Bearer ${token}`;
  return rawRequest(controller.httpPort, `POST ${target} HTTP/1.1\r\nhost: controller${auth}\r\ncontent-type: application/json`, energyBody());
}

function grpcReport(controller: ControllerProcess, token?: string): Promise<grpc.status> {
  const v1 = (loadEnergyProto()["solar"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject;
  const Client = v1["EnergyService"] as grpc.ServiceClientConstructor;
  const client = new Client(`127.0.0.1:${controller.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) =>
    client["Report"]!({ readings: [{ site: "berlin", timestamp_ms: Date.now(), pv_watts: 1_234 }] }, metadata, (e: grpc.ServiceError | null) => {
      client.close();
      resolve(e ? e.code : grpc.status.OK);
    }));
}

describe("controller credentials", () => {
  it("refuses and accepts calls by role over HTTP and gRPC, and never logs a token", async () => {
    const rotated = newToken();
    const stranger = newToken();
    const controller = await startControllerProcess({
      tokens: { reader: [newToken(), rotated], writer: [newToken()] }, env: { LOG_LEVEL: "debug" },
    });
    try {
      const table = (token?: string) =>
        fetch(`${controller.url}/v1/table`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      expect((await table()).status).toBe(401);
      expect((await table(stranger)).status).toBe(401);
      expect((await table(controller.readerToken)).status).toBe(200);
      expect((await table(rotated)).status).toBe(200);
      expect((await postEnergy(controller)).status).toBe(401);
      expect((await postEnergy(controller, stranger)).status).toBe(401);
      expect((await postEnergy(controller, controller.readerToken)).status).toBe(403);
      for (const target of ["/%761/energy", "/v%31/energy", "http://x/v1/energy"]) {
        expect((await postEnergy(controller, undefined, target)).status, target).toBe(401);
      }
      expect((await postEnergy(controller, controller.writerToken)).status).toBe(200);
      expect(await grpcReport(controller)).toBe(grpc.status.UNAUTHENTICATED);
      expect(await grpcReport(controller, stranger)).toBe(grpc.status.UNAUTHENTICATED);
      expect(await grpcReport(controller, rotated)).toBe(grpc.status.PERMISSION_DENIED);
      expect(await grpcReport(controller, controller.writerToken)).toBe(grpc.status.OK);
      expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
      expect(await controller.stop()).toBe(0);

      const logs = controller.logs();
      // The calls above were logged (so there was something to leak), by role and reason only.
      expect(logs.filter((l) => l.includes('"msg":"request refused: credential"')).length).toBe(8);
      expect(logs.filter((l) => l.includes('"msg":"call refused: credential"')).length).toBe(3);
      expect(logs.some((l) => l.includes('"credentials":{"reader":2,"writer":1}'))).toBe(true);
      for (const token of [...controller.tokens.reader, ...controller.tokens.writer, stranger]) {
        expect(logs.filter((l) => l.includes(token))).toEqual([]);
      }
    } finally {
      await controller.kill();
    }
  });

  it("with no credentials configured, refuses every write and says once per role how to configure them", async () => {
    const controller = await startControllerProcess({ tokens: { reader: [], writer: [] } });
    try {
      expect((await postEnergy(controller, newToken())).status).toBe(401);
      expect((await fetch(`${controller.url}/v1/table`)).status).toBe(401);
      expect(await grpcReport(controller, newToken())).toBe(grpc.status.UNAUTHENTICATED);
      expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);
      const warnings = controller.logs().filter((l) => l.includes('"level":40'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain("no reader credentials configured: GET /v1/table and POST /v1/reports refuse every call; " +
        "set SOLAR_READER_TOKENS (comma-separated tokens) or auth.reader_tokens_file (one token per line)");
      expect(warnings[1]).toContain("no writer credentials configured: POST /v1/energy and gRPC EnergyService refuse every call; " +
        "set SOLAR_WRITER_TOKENS (comma-separated tokens) or auth.writer_tokens_file (one token per line)");
    } finally {
      await controller.kill();
    }
  });

  it("refuses to start on a bad token, naming the variable and the item but not the token", async () => {
    const attempt = startControllerProcess({ tokens: { reader: [newToken()], writer: [newToken(), "tiny-secret"] }, timeoutMs: 10_000 });
    const error = await attempt.then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/exited with 1[\s\S]*SOLAR_WRITER_TOKENS item 2: a token needs at least 16 characters, got 11/);
    expect(error?.message).not.toContain("tiny-secret");
  });

  it("refuses to start on a leftover inline token, saying what replaces it", async () => {
    const attempt = startControllerProcess({ configYaml: "token: 0123456789abcdef0123\nsites: []\nservices: []\n", timeoutMs: 10_000 });
    await expect(attempt).rejects.toThrow(/exited with 1[\s\S]*token: no longer supported: credentials come from auth\.reader_tokens_file/);
  });
});
