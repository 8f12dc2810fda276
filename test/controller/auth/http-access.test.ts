// The route scopes on a bare fastify: each scope's check covers its own routes only, and a
// route registered outside every scope fails the start instead of being open by accident.
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { accessScopes } from "../../../controller/auth/http-access.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { TOKENS, UNKNOWN_TOKEN, bearer, credentials, refusalCounts } from "./support.js";

describe("accessScopes", () => {
  it("guards each scope's routes with its own role, and leaves open ones open", async () => {
    const app = Fastify();
    const routes = accessScopes(app, credentials(), new ControllerMetrics());
    routes("writer", (scope) => scope.post("/w", async () => "w"));
    routes("reader", (scope) => scope.get("/r", async () => "r"));
    routes("open", (scope) => scope.get("/o", async () => "o"));
    await app.ready();
    const status = async (method: "GET" | "POST", url: string, token?: string) =>
      (await app.inject({ method, url, ...(token === undefined ? {} : { headers: { authorization: bearer(token) } }) })).statusCode;
    expect(await status("GET", "/o")).toBe(200);
    expect(await status("GET", "/r")).toBe(401);
    expect(await status("GET", "/r", TOKENS.reader[0])).toBe(200);
    expect(await status("POST", "/w")).toBe(401);
    expect(await status("POST", "/w", TOKENS.reader[0])).toBe(403);
    expect(await status("POST", "/w", TOKENS.writer[1])).toBe(200);
    await app.close();
  });

  it("counts every refusal by code, and neither accepted nor open requests", async () => {
    const app = Fastify();
    const metrics = new ControllerMetrics();
    const routes = accessScopes(app, credentials(), metrics);
    // Both series exist before the first refusal, so rate() and alerts start from 0.
    expect(await refusalCounts(metrics)).toEqual({ "http unauthenticated": 0, "http permission_denied": 0 });
    routes("writer", (scope) => scope.post("/w", async () => "w"));
    routes("reader", (scope) => scope.get("/r", async () => "r"));
    routes("open", (scope) => scope.get("/o", async () => "o"));
    await app.ready();
    const status = async (method: "GET" | "POST", url: string, authorization?: string) =>
      (await app.inject({ method, url, ...(authorization === undefined ? {} : { headers: { authorization } }) })).statusCode;
    for (const [method, url, authorization, expected] of [
      ["GET", "/o", undefined, 200], ["GET", "/o", bearer(UNKNOWN_TOKEN), 200],
      ["GET", "/r", TOKENS.reader[0], 200], ["GET", "/r", TOKENS.writer[0], 200], ["POST", "/w", TOKENS.writer[1], 200],
      ["GET", "/r", undefined, 401], ["GET", "/r", bearer(UNKNOWN_TOKEN), 401], ["POST", "/w", "Basic dzp3", 401],
      ["POST", "/w", TOKENS.reader[0], 403], ["POST", "/w", TOKENS.reader[1], 403],
    ] as const) {
      const header = authorization === undefined || authorization.includes(" ") ? authorization : bearer(authorization);
      expect(await status(method, url, header), `${method} ${url} ${header}`).toBe(expected);
    }
    expect(await refusalCounts(metrics)).toEqual({ "http unauthenticated": 3, "http permission_denied": 2 });
    await app.close();
  });

  it("fails the start when a route is registered outside every scope, naming it", async () => {
    const app = Fastify();
    const routes = accessScopes(app, credentials(), new ControllerMetrics());
    routes("open", (scope) => scope.get("/healthz", async () => "ok"));
    expect(() => app.post("/v1/forgotten", async () => "applied"))
      .toThrow("route POST /v1/forgotten is not in an access scope (open, reader or writer)");
    app.register(async (plugin) => {
      plugin.get("/v1/also-forgotten", async () => "x");
    });
    await expect(app.ready()).rejects.toThrow("route GET /v1/also-forgotten is not in an access scope");
  });

  it("fails the start for a route in a plugin nested inside a scope, so nothing inherits access silently", async () => {
    const app = Fastify();
    const routes = accessScopes(app, credentials(), new ControllerMetrics());
    routes("writer", (scope) => {
      scope.register(async (inner) => {
        inner.get("/nested", async () => "x");
      });
    });
    await expect(app.ready()).rejects.toThrow("route GET /nested is not in an access scope");
  });
});
