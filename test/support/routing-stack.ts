// The whole routing path on loopback: one upstream server per name (plus `default`), the
// controller process, and a real Envoy whose filter polls that controller. Shared by the
// controller end-to-end tests, bench:propagation and the demo. The filter holds the controller's
// reader token, for table polls and (with `report` in the plugin configuration) reports.
import { join } from "node:path";
import {
  DEFAULT_CLUSTER, REPO_ROOT, buildEnvoyConfig, startEnvoy, startUpstreams, type EnvoyHandle, type Upstreams,
} from "../envoy/harness.js";
import { startControllerProcess, type ControllerProcess } from "./controller-process.js";

export const CONTROLLER_CLUSTER = "solar_controller";

export interface RoutingStack {
  upstreams: Upstreams;
  controller: ControllerProcess;
  envoy: EnvoyHandle;
  /** The Envoy listener requests go to. */
  ingressUrl: string;
  stop(): Promise<void>;
}

export async function startRoutingStack(options: {
  upstreams: string[];
  /** Controller configuration; the embedded defaults when absent. */
  configYaml?: string;
  /** Plugin configuration fields besides `controller`. */
  pluginConfig?: Record<string, unknown>;
}): Promise<RoutingStack> {
  const upstreams = await startUpstreams([...options.upstreams, DEFAULT_CLUSTER]);
  let controller: ControllerProcess | undefined;
  try {
    controller = await startControllerProcess(options.configYaml === undefined ? {} : { configYaml: options.configYaml });
    const envoy = await startEnvoy(buildEnvoyConfig({
      upstreams: upstreams.addresses(),
      extraClusters: { [CONTROLLER_CLUSTER]: { port: controller.httpPort } },
      listeners: [{
        name: "ingress",
        wasm: {
          wasmPath: join(REPO_ROOT, "build", "filter.wasm"),
          rootId: "solar_router",
          pluginConfig: {
            controller: { cluster: CONTROLLER_CLUSTER, wait_ms: 15_000, timeout_ms: 20_000, ...(controller.readerToken ? { token: controller.readerToken } : {}) },
            ...options.pluginConfig,
          },
        },
      }],
    }), { concurrency: 2 });
    const stack: RoutingStack = {
      upstreams,
      controller,
      envoy,
      ingressUrl: envoy.listenerUrl("ingress"),
      async stop() {
        await envoy.stop();
        await stack.controller.stop();
        await upstreams.close();
      },
    };
    return stack;
  } catch (error) {
    await controller?.stop();
    await upstreams.close();
    throw error;
  }
}
