// The access decision both APIs share: who may call an endpoint that needs `required`. The
// refusals carry fixed messages, so nothing about the presented credential is echoed back.
import { Code, ControllerError, type Parsed } from "../errors/controller-error.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { satisfies, type Credentials, type Role } from "./credentials.js";

/** No credential, a malformed one, or one the controller does not know (HTTP 401, UNAUTHENTICATED). */
export function unauthenticated(): ControllerError {
  return new ControllerError(Code.Unauthenticated, "a bearer credential is required (authorization: Bearer <token>); none was sent or it is not known");
}

/** A known credential without the role the endpoint needs (HTTP 403, PERMISSION_DENIED). */
export function permissionDenied(required: Role): ControllerError {
  return new ControllerError(Code.PermissionDenied, `this endpoint needs a ${required} credential`);
}

/** The token of an `authorization: Bearer <token>` value; the scheme name is case-insensitive (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/** The two refusals, as the `code` label of solar_controller_auth_refused_total. */
export const REFUSAL_CODES = [Code.Unauthenticated, Code.PermissionDenied] as const;

/** Counts a refusal; every label pair exists from the start, so rate() and alerts see a 0 first. */
export function refusalCounter(metrics: ControllerMetrics, api: "http" | "grpc"): (error: ControllerError) => void {
  for (const code of REFUSAL_CODES) metrics.authRefused.inc({ api, code }, 0);
  return (error) => metrics.authRefused.inc({ api, code: error.code });
}

/** The caller's role when it may call an endpoint that needs `required`, else the refusal. */
export function checkAccess(credentials: Credentials, token: string | undefined, required: Role): Parsed<Role> {
  const role = token === undefined ? null : credentials.roleOf(token);
  if (role === null) return { error: unauthenticated() };
  if (!satisfies(role, required)) return { error: permissionDenied(required) };
  return { value: role };
}
