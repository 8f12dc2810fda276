// One error type for the whole controller, with a gRPC-style code. Only the API edges turn it
// into a response (errors/status.ts maps codes to HTTP and gRPC statuses).

export enum Code {
  InvalidArgument = "invalid_argument",
  /** A body over the size limit (HTTP 413). */
  PayloadTooLarge = "payload_too_large",
  /** A body in a content type the endpoint does not take (HTTP 415). */
  UnsupportedMediaType = "unsupported_media_type",
  NotFound = "not_found",
  FailedPrecondition = "failed_precondition",
  Unavailable = "unavailable",
  /** The client took too long (an idle or endless stream): HTTP 408, gRPC DEADLINE_EXCEEDED. */
  DeadlineExceeded = "deadline_exceeded",
  /** Over a budget (rate, memory); the client should retry after a while (HTTP 429). */
  ResourceExhausted = "resource_exhausted",
  /** No credential, or not one the controller knows (HTTP 401). */
  Unauthenticated = "unauthenticated",
  /** A valid credential without the role the endpoint needs (HTTP 403). */
  PermissionDenied = "permission_denied",
  Internal = "internal",
}

export class ControllerError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** The input field at fault, dotted ("readings[0].pv_watts"), when there is one. */
    readonly field?: string,
    /** For overload: how long a client should wait before retrying. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ControllerError";
  }

  static invalid(field: string, message: string): ControllerError {
    return new ControllerError(Code.InvalidArgument, `${field}: ${message}`, field);
  }
}

/** What parsers of untrusted input return instead of throwing. */
export type Parsed<T> = { readonly value: T; readonly error?: undefined } | { readonly error: ControllerError; readonly value?: undefined };
