// Turns a ControllerError into an HTTP response: status from errors/status.ts, a JSON body that
// names the code, the message and the field, and Retry-After on overload.
import type { FastifyReply } from "fastify";
import type { ControllerError } from "../errors/controller-error.js";
import { httpStatus } from "../errors/status.js";

export function sendError(reply: FastifyReply, error: ControllerError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
  return reply.code(httpStatus(error.code)).send({
    error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
  });
}
