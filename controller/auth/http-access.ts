// Access to HTTP routes, decided on the route the router matched, never on the raw URL: every
// route lives in an encapsulated scope that says who may call it, and the scope's onRequest hook
// (@fastify/bearer-auth, then the role) runs for whatever spelling of the path reached it
// (percent-encoded, absolute-form). A route registered outside such a scope fails the start,
// so a new endpoint cannot be open by accident.
import bearerAuth from "@fastify/bearer-auth";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ControllerError } from "../errors/controller-error.js";
import { sendError } from "../http/errors.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { permissionDenied, refusalCounter, unauthenticated } from "./access.js";
import { satisfies, type Credentials, type Role } from "./credentials.js";

/** `open`: health, metrics and the ledger's read-only views, which anyone may audit. */
export type Access = Role | "open";

const REALM = 'Bearer realm="solar-controller"';

/**
 * Returns the way to register routes on `app`: each call opens an encapsulated scope callable
 * with `access`. From then on, registering a route on `app` outside such a scope fails the start.
 */
export function accessScopes(
  app: FastifyInstance, credentials: Credentials, metrics: ControllerMetrics,
): (access: Access, routes: (scope: FastifyInstance) => void) => void {
  const scopes = new WeakSet<FastifyInstance>();
  const countRefusal = refusalCounter(metrics, "http");
  app.addHook("onRoute", function (this: FastifyInstance, route) {
    if (!scopes.has(this)) throw new Error(`route ${String(route.method)} ${route.url} is not in an access scope (open, reader or writer)`);
  });
  return (access, routes) => {
    app.register(async (scope) => {
      scopes.add(scope);
      if (access !== "open") await guard(scope, credentials, access, countRefusal);
      routes(scope);
    });
  };
}

async function guard(
  scope: FastifyInstance, credentials: Credentials, required: Role, countRefusal: (error: ControllerError) => void,
): Promise<void> {
  const roles = new WeakMap<FastifyRequest, Role>();
  await scope.register(bearerAuth, {
    keys: [], // unused: `auth` looks tokens up in constant time and remembers the role
    auth: (token, request) => {
      const role = credentials.roleOf(token);
      if (role !== null) roles.set(request, role);
      return role !== null;
    },
    addHook: false, // we answer refusals ourselves, in the controller's error shape
    specCompliance: "rfc6749", // the scheme name is case-insensitive
    verifyErrorLogLevel: "debug",
  });
  const verify = scope.verifyBearerAuth!;
  scope.addHook("onRequest", (request, reply, done) => {
    verify(request, reply, (error) => {
      if (error !== undefined && (error as { statusCode?: number }).statusCode !== 401) return done(error);
      if (error !== undefined) return void refuse(request, reply, unauthenticated(), REALM, countRefusal);
      if (!satisfies(roles.get(request)!, required)) {
        return void refuse(request, reply, permissionDenied(required), `${REALM}, error="insufficient_scope"`, countRefusal);
      }
      done();
    });
  });
}

function refuse(
  request: FastifyRequest, reply: FastifyReply, error: ControllerError, challenge: string, count: (error: ControllerError) => void,
): FastifyReply {
  count(error);
  request.log.info({ method: request.method, route: request.routeOptions.url, code: error.code }, "request refused: credential");
  return sendError(reply.header("www-authenticate", challenge), error);
}
