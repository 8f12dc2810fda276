// Structured JSON logs (pino). Secrets never reach a log line: the redact list covers the
// places a credential could appear (authorization headers or metadata, token fields, the token
// environment variables), even if a future log call passes one by mistake.
import { pino, type Logger } from "pino";

export type { Logger };

export const REDACTED_PATHS: readonly string[] = [
  "token", "*.token", "tokens", "*.tokens",
  "authorization", "*.authorization", "headers.authorization", "*.headers.authorization", "req.headers.authorization",
  "SOLAR_READER_TOKENS", "SOLAR_WRITER_TOKENS", "*.SOLAR_READER_TOKENS", "*.SOLAR_WRITER_TOKENS",
];

export function createLogger(level: string = process.env["LOG_LEVEL"] ?? "info", destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: "solar-controller" }, redact: [...REDACTED_PATHS] };
  return destination === undefined ? pino(options) : pino(options, destination);
}
