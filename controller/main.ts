// solar-controller: `solar-controller [--config FILE]`. Without a file it runs on the embedded
// defaults. SIGTERM/SIGINT shut it down gracefully.
import { parseArgs } from "node:util";
import { startController } from "./app.js";
import { loadConfig } from "./config/load.js";
import { createLogger } from "./ops/logger.js";

const logger = createLogger();
const { values } = parseArgs({
  options: {
    config: { type: "string" },
    http: { type: "string" },
    grpc: { type: "string" },
  },
});

try {
  const config = await loadConfig(values.config);
  if (values.http) config.listen.http = values.http;
  if (values.grpc) config.listen.grpc = values.grpc;
  const controller = await startController(config, { logger });
  // Machine-readable for scripts that start the controller on port 0.
  console.log(JSON.stringify({ event: "listening", http: controller.httpPort, grpc: controller.grpcPort }));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      controller.stop().then(() => process.exit(0), (e: unknown) => {
        logger.error({ err: e }, "shutdown failed");
        process.exit(1);
      });
    });
  }
} catch (error) {
  logger.fatal({ err: error }, `controller failed to start: ${(error as Error).message}`);
  process.exit(1);
}
