// Turns a ControllerError into a gRPC status, as http/errors.ts does for HTTP: the code from
// errors/status.ts, the message as details, the field in `field` metadata, and on overload
// gRPC's own retry hint (gRFC A6, `grpc-retry-pushback-ms`), which clients with a retry policy honour.
import * as grpc from "@grpc/grpc-js";
import type { ControllerError } from "../errors/controller-error.js";
import { grpcStatus } from "../errors/status.js";

export function toServiceError(error: ControllerError): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  if (error.field) metadata.set("field", error.field);
  if (error.retryAfterSeconds !== undefined) metadata.set("grpc-retry-pushback-ms", String(error.retryAfterSeconds * 1000));
  return { code: grpcStatus(error.code), details: error.message, metadata };
}
