// The controller's gRPC server: EnergyService, LedgerService (when the ledger is on) and the
// standard grpc.health.v1 Health service. Health and the ledger's reads are open; every other
// method needs a writer credential (auth/grpc-access.ts).
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { Credentials } from "../auth/credentials.js";
import { accessInterceptor, methodPaths } from "../auth/grpc-access.js";
import { createLogger, type Logger } from "../ops/logger.js";
import type { SiteEnergy } from "../ingest/energy/site-energy.js";
import type { ControllerMetrics } from "../ops/metrics.js";
import { energyServiceDefinition, energyServiceHandlers } from "./energy-service.js";
import { ledgerServiceDefinition, ledgerServiceHandlers } from "./ledger-service.js";
import { GRPC_SERVER_OPTIONS } from "./limits.js";
import type { LogStorage } from "../ledger/storage/storage.js";

export const ENERGY_SERVICE_NAME = "solar.v1.EnergyService";

export interface GrpcApi {
  server: grpc.Server;
  health: HealthImplementation;
  /** Binds and starts; returns the bound port (useful with port 0). */
  listen(address: string): Promise<number>;
  setServing(serving: boolean): void;
  close(): Promise<void>;
}

export function createGrpcApi(
  energy: SiteEnergy, metrics: ControllerMetrics, ledger: LogStorage | null = null,
  credentials: Credentials = Credentials.none(), logger: Logger = createLogger(),
): GrpcApi {
  const policy = { open: [...methodPaths(healthService), ...methodPaths(ledgerServiceDefinition())], reader: [] };
  const server = new grpc.Server({ ...GRPC_SERVER_OPTIONS, interceptors: [accessInterceptor(credentials, policy, metrics, logger)] });
  server.addService(energyServiceDefinition(), energyServiceHandlers(energy, metrics, logger));
  if (ledger !== null) server.addService(ledgerServiceDefinition(), ledgerServiceHandlers(ledger, logger));
  const health = new HealthImplementation({ "": "NOT_SERVING", [ENERGY_SERVICE_NAME]: "NOT_SERVING" });
  health.addToServer(server);
  return {
    server,
    health,
    listen: (address) =>
      new Promise((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
      }),
    setServing(serving) {
      const status = serving ? "SERVING" : "NOT_SERVING";
      health.setStatus("", status);
      health.setStatus(ENERGY_SERVICE_NAME, status);
    },
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
