// Structured JSON logs (pino). Secrets never reach a log line: the redact list covers the
// places they could appear.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string = process.env["LOG_LEVEL"] ?? "info"): Logger {
  return pino({
    level,
    base: { service: "solar-controller" },
    redact: ["token", "config.token", "req.headers.authorization"],
  });
}
