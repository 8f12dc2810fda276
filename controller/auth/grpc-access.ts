// Access to gRPC methods: a server interceptor keyed by the method's path (the exact path
// grpc-js dispatched on). It checks the `authorization` metadata when the call's headers arrive
// and refuses before the handler starts, so a refused stream has none of its messages read.
// Methods listed as open pass; reader methods need a reader or writer credential; every other
// method, including any added later, needs a writer credential.
import * as grpc from "@grpc/grpc-js";
import { toServiceError } from "../grpc/errors.js";
import type { Logger } from "../ops/logger.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { bearerToken, checkAccess, refusalCounter } from "./access.js";
import type { Credentials, Role } from "./credentials.js";

export interface GrpcAccessPolicy {
  /** Method paths anyone may call, e.g. `/grpc.health.v1.Health/Check`. */
  open: readonly string[];
  /** Method paths a reader credential may call. */
  reader: readonly string[];
}

/** Every method path of a service definition (grpc-js or proto-loader). */
export function methodPaths(definition: Record<string, { path: string }>): string[] {
  return Object.values(definition).map((m) => m.path);
}

export function accessInterceptor(
  credentials: Credentials, policy: GrpcAccessPolicy, metrics: ControllerMetrics, logger?: Logger,
): grpc.ServerInterceptor {
  const open = new Set(policy.open);
  const reader = new Set(policy.reader);
  const countRefusal = refusalCounter(metrics, "grpc");
  return (method, call) => {
    if (open.has(method.path)) return new grpc.ServerInterceptingCall(call);
    const required: Role = reader.has(method.path) ? "reader" : "writer";
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => next({
        onReceiveMetadata: (metadata, pass) => {
          const values = metadata.get("authorization");
          const header = values.length === 1 && typeof values[0] === "string" ? values[0] : undefined;
          const access = checkAccess(credentials, bearerToken(header), required);
          if (access.error) {
            countRefusal(access.error);
            logger?.info({ method: method.path, code: access.error.code }, "call refused: credential");
            call.sendStatus(toServiceError(access.error));
            return;
          }
          // Handlers have no use for the credential; keep it out of anything they might log.
          metadata.remove("authorization");
          pass(metadata);
        },
      }),
    });
  };
}
