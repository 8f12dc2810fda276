// Loads a module the way cpp-host's WasmBase::load/initialize does: read the ABI version
// marker, link every import against the host functions (a missing import or a signature
// mismatch fails the load, naming the import), look up the callbacks with their expected
// signatures, require malloc, then run _initialize/_start with host calls restricted.
import type { AbiVersion } from "./abi.js";
import { Guest, type GuestFn } from "./guest.js";
import { HostState, Restriction, type HostOptions } from "./host-state.js";
import { coreImports, type CoreHooks } from "./imports-core.js";
import { httpImports } from "./imports-http.js";
import { envExtraImports, wasiImports } from "./imports-wasi.js";
import {
  GUEST_EXPORT_SIGNATURES, WASI_MODULES, allowedDuringMalloc, allowedDuringStart, hostImportSignatures,
} from "./signatures.js";
import { readModuleInterface, type ModuleInterface } from "./wasm-binary.js";

export interface LoadedVm {
  state: HostState;
  guest: Guest;
  abi: AbiVersion;
  /** Names of every function the module exports. */
  exports: ReadonlySet<string>;
}

export class ProxyWasmLoadError extends Error {}

function abiVersionOf(iface: ModuleInterface): AbiVersion {
  const names = iface.functionExports;
  if (names.has("proxy_abi_version_0_2_1")) return "0.2.1";
  if (names.has("proxy_abi_version_0_2_0")) return "0.2.0";
  if (names.has("proxy_abi_version_0_1_0")) {
    throw new ProxyWasmLoadError("Proxy-Wasm ABI 0.1.0 is not supported by this host");
  }
  throw new ProxyWasmLoadError("Missing or unknown Proxy-Wasm ABI version");
}

/** Traps host calls made in a phase that does not allow them (start-up, malloc). */
function counted(s: HostState, key: string, fn: Function): Function {
  const counts = s.hostCallCounts;
  if (counts === null) return fn;
  return (...args: unknown[]) => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return fn(...args);
  };
}

function guard(s: HostState, key: string, inner: Function, inStart: boolean, inMalloc: boolean): Function {
  const fn = counted(s, key, inner);
  if (inStart && inMalloc) return fn;
  const blocked = (inStart ? 0 : 1 << Restriction.Start) | (inMalloc ? 0 : 1 << Restriction.Malloc);
  const check = (): void => {
    if (s.restricted !== Restriction.None && (blocked & (1 << s.restricted)) !== 0) s.restrictedCall(key);
  };
  switch (inner.length) {
    case 0: return () => (check(), fn());
    case 1: return (a: unknown) => (check(), fn(a));
    case 2: return (a: unknown, b: unknown) => (check(), fn(a, b));
    case 3: return (a: unknown, b: unknown, c: unknown) => (check(), fn(a, b, c));
    case 4: return (a: unknown, b: unknown, c: unknown, d: unknown) => (check(), fn(a, b, c, d));
    case 5: return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => (check(), fn(a, b, c, d, e));
    default: return (...args: unknown[]) => (check(), fn(...args));
  }
}

function buildImports(
  s: HostState, abi: AbiVersion, module: WebAssembly.Module, iface: ModuleInterface, hooks: CoreHooks,
): { imports: WebAssembly.Imports; memory: WebAssembly.Memory | null } {
  const implementations: Record<string, Record<string, Function>> = {
    env: { ...coreImports(s, hooks), ...httpImports(s), ...envExtraImports() },
  };
  for (const name of WASI_MODULES) implementations[name] = wasiImports(s);
  const signatures = hostImportSignatures(abi);
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  let memory: WebAssembly.Memory | null = null;
  const declared = WebAssembly.Module.imports(module);
  declared.forEach((imp, i) => {
    const key = `${imp.module}.${imp.name}`;
    const missing = (): never => {
      throw new ProxyWasmLoadError(`Failed to load Wasm module due to a missing import: ${key}`);
    };
    const slot = (imports[imp.module] ??= {});
    const limits = iface.imports[i]?.limits ?? { min: 0 };
    if (imp.kind === "memory") {
      memory = new WebAssembly.Memory(limits.max === undefined ? { initial: limits.min } : { initial: limits.min, maximum: limits.max });
      slot[imp.name] = memory;
      return;
    }
    if (imp.kind === "table") {
      slot[imp.name] = new WebAssembly.Table({ element: "anyfunc", initial: limits.min });
      return;
    }
    if (imp.kind !== "function") missing();
    const want = signatures.get(key);
    const impl = implementations[imp.module]?.[imp.name];
    if (want === undefined || impl === undefined) missing();
    const got = iface.imports[i]?.signature;
    if (got !== want) {
      throw new ProxyWasmLoadError(
        `Failed to load Wasm module due to an import type mismatch: ${key}, want: ${got}, but host exports: ${want}`,
      );
    }
    slot[imp.name] = guard(s, key, impl!, allowedDuringStart(imp.module, imp.name), allowedDuringMalloc(imp.module, imp.name)) as WebAssembly.ImportValue;
  });
  return { imports, memory };
}

/** cpp-host getFunctions: the callbacks it knows, each with a checked signature. */
function bindExports(instance: WebAssembly.Instance, iface: ModuleInterface): Map<string, GuestFn> {
  const fns = new Map<string, GuestFn>();
  const hasInitialize = iface.functionExports.has("_initialize");
  for (const [name, want] of Object.entries(GUEST_EXPORT_SIGNATURES)) {
    const got = iface.functionExports.get(name);
    if (got === undefined) continue;
    if ((name === "main" || name === "__main_void") && !hasInitialize) continue;
    if (name === "_start" && hasInitialize) continue;
    if (got !== want) {
      throw new ProxyWasmLoadError(`Bad function signature for: ${name}, want: ${want}, but the module exports: ${got}`);
    }
    fns.set(name, instance.exports[name] as GuestFn);
  }
  if (!fns.has("malloc") && !fns.has("proxy_on_memory_allocate")) {
    throw new ProxyWasmLoadError("Wasm module is missing malloc function.");
  }
  return fns;
}

export async function loadVm(bytes: Uint8Array, options: HostOptions, hooks: CoreHooks): Promise<LoadedVm> {
  let iface: ModuleInterface;
  try {
    iface = readModuleInterface(bytes);
  } catch (error) {
    throw new ProxyWasmLoadError(`Failed to parse corrupted Wasm module: ${(error as Error).message}`);
  }
  const abi = abiVersionOf(iface);
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const state = new HostState(options);
  const { imports, memory: importedMemory } = buildImports(state, abi, module, iface, hooks);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, imports);
  } catch (error) {
    throw new ProxyWasmLoadError(`Function: start failed: ${(error as Error).message}`);
  }
  const exported = instance.exports["memory"];
  const memory = exported instanceof WebAssembly.Memory ? exported : importedMemory;
  if (memory === null) throw new ProxyWasmLoadError("Wasm module has no memory");
  const guest = new Guest(state, bindExports(instance, iface));
  state.mem.attach(memory, (size) => guest.malloc(size));
  guest.start();
  return { state, guest, abi, exports: new Set(iface.functionExports.keys()) };
}
