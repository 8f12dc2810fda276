// One error type for the whole controller, with a gRPC-style code. Only the API edges turn it
// into a response (errors/status.ts maps codes to HTTP and gRPC statuses).

export enum Code {
  InvalidArgument = "invalid_argument",
  NotFound = "not_found",
  FailedPrecondition = "failed_precondition",
  Unavailable = "unavailable",
  ResourceExhausted = "resource_exhausted",
  Unauthenticated = "unauthenticated",
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
