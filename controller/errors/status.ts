// The one place that maps controller error codes to HTTP and gRPC statuses.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Code } from "./controller-error.js";

const HTTP: Record<Code, number> = {
  [Code.InvalidArgument]: 400,
  [Code.PayloadTooLarge]: 413,
  [Code.UnsupportedMediaType]: 415,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.FailedPrecondition]: 409,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 408,
  [Code.Internal]: 500,
};

const GRPC: Record<Code, GrpcStatus> = {
  [Code.InvalidArgument]: GrpcStatus.INVALID_ARGUMENT,
  [Code.PayloadTooLarge]: GrpcStatus.RESOURCE_EXHAUSTED,
  [Code.UnsupportedMediaType]: GrpcStatus.INVALID_ARGUMENT,
  [Code.Unauthenticated]: GrpcStatus.UNAUTHENTICATED,
  [Code.PermissionDenied]: GrpcStatus.PERMISSION_DENIED,
  [Code.NotFound]: GrpcStatus.NOT_FOUND,
  [Code.FailedPrecondition]: GrpcStatus.FAILED_PRECONDITION,
  [Code.ResourceExhausted]: GrpcStatus.RESOURCE_EXHAUSTED,
  [Code.Unavailable]: GrpcStatus.UNAVAILABLE,
  [Code.DeadlineExceeded]: GrpcStatus.DEADLINE_EXCEEDED,
  [Code.Internal]: GrpcStatus.INTERNAL,
};

export function httpStatus(code: Code): number {
  return HTTP[code];
}

export function grpcStatus(code: Code): GrpcStatus {
  return GRPC[code];
}
