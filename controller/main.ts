// solar-controller: `solar-controller [--config FILE]`. Without a file it runs on the embedded
// defaults. SIGTERM/SIGINT shut it down gracefully.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { startController } from "./app.js";
import { loadConfig } from "./config/load.js";
import { listenAddress } from "./config/schema.js";
import { createLogger } from "./ops/logger.js";

const USAGE = `usage: solar-controller [--config FILE] [--http HOST:PORT] [--grpc HOST:PORT]

  --config FILE      controller configuration (YAML); without it the embedded defaults
  --http HOST:PORT   HTTP API address, overriding listen.http (port 0: any free port)
  --grpc HOST:PORT   gRPC API address, overriding listen.grpc
  -h, --help         print this and exit

Credentials, the configuration file and the APIs: README.md, "Controller".
`;

const OPTIONS = {
  config: { type: "string" },
  http: { type: "string" },
  grpc: { type: "string" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>["values"];
try {
  ({ values } = parseArgs({ options: OPTIONS, allowPositionals: false }));
} catch (error) {
  process.stderr.write(`solar-controller: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const logger = createLogger();

try {
  const config = await loadConfig(values.config);
  for (const flag of ["http", "grpc"] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    const checked = listenAddress.safeParse(value);
    if (!checked.success) throw new Error(`--${flag}: ${checked.error.issues[0]!.message}, got '${value}'`);
    config.listen[flag] = checked.data;
  }
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
