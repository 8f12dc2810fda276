// Wasm-level signatures the host checks at link time, as proxy-wasm-cpp-host does: every
// pointer/size/enum ("Word") is an i32 in wasm32, 64-bit integers are i64.
import type { AbiVersion } from "./abi.js";

/** "params->results", e.g. "i32,i32->i32". */
export type Signature = string;

const I32 = (n: number): string => Array<string>(n).fill("i32").join(",");
const word = (n: number): Signature => `${I32(n)}->i32`;

/** Host functions under module "env" for every supported ABI version. */
const PROXY_FUNCTIONS: Record<string, Signature> = {
  proxy_log: word(3),
  proxy_get_status: word(3),
  proxy_set_property: word(4),
  proxy_get_property: word(4),
  proxy_send_local_response: word(8),
  proxy_get_shared_data: word(5),
  proxy_set_shared_data: word(5),
  proxy_get_header_map_value: word(5),
  proxy_add_header_map_value: word(5),
  proxy_replace_header_map_value: word(5),
  proxy_remove_header_map_value: word(3),
  proxy_get_header_map_pairs: word(3),
  proxy_set_header_map_pairs: word(3),
  proxy_get_header_map_size: word(2),
  proxy_get_buffer_status: word(3),
  proxy_get_buffer_bytes: word(5),
  proxy_set_buffer_bytes: word(5),
  proxy_http_call: word(10),
  proxy_set_tick_period_milliseconds: word(1),
  proxy_get_current_time_nanoseconds: word(1),
  proxy_define_metric: word(4),
  proxy_increment_metric: "i32,i64->i32",
  proxy_record_metric: "i32,i64->i32",
  proxy_get_metric: word(2),
  proxy_set_effective_context: word(1),
  proxy_done: "->i32",
  proxy_continue_stream: word(1),
  proxy_close_stream: word(1),
};

/** Registered only for ABI 0.2.1 (cpp-host `registerCallbacks`). */
const PROXY_FUNCTIONS_0_2_1: Record<string, Signature> = {
  proxy_get_log_level: word(1),
};

const ENV_FUNCTIONS: Record<string, Signature> = {
  pthread_equal: word(2),
  emscripten_notify_memory_growth: "i32->",
};

/** The WASI subset this host implements, under both WASI module names. */
export const WASI_FUNCTIONS: Record<string, Signature> = {
  fd_write: word(4),
  fd_read: word(4),
  fd_close: word(1),
  fd_seek: "i32,i64,i32,i32->i32",
  fd_fdstat_get: word(2),
  clock_time_get: "i32,i64,i32->i32",
  clock_res_get: word(2),
  random_get: word(2),
  environ_get: word(2),
  environ_sizes_get: word(2),
  args_get: word(2),
  args_sizes_get: word(2),
  sched_yield: "->i32",
  poll_oneoff: word(4),
  proc_exit: "i32->",
};
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

/** "module.name" → signature of every import this host can satisfy for `abi`. */
export function hostImportSignatures(abi: AbiVersion): Map<string, Signature> {
  const out = new Map<string, Signature>();
  for (const [name, sig] of Object.entries(PROXY_FUNCTIONS)) out.set(`env.${name}`, sig);
  if (abi === "0.2.1") {
    for (const [name, sig] of Object.entries(PROXY_FUNCTIONS_0_2_1)) out.set(`env.${name}`, sig);
  }
  for (const [name, sig] of Object.entries(ENV_FUNCTIONS)) out.set(`env.${name}`, sig);
  for (const module of WASI_MODULES) {
    for (const [name, sig] of Object.entries(WASI_FUNCTIONS)) out.set(`${module}.${name}`, sig);
  }
  return out;
}

/** Exports the host looks up, with the signature it calls them with (cpp-host `getFunctions`). */
export const GUEST_EXPORT_SIGNATURES: Record<string, Signature> = {
  _initialize: "->",
  _start: "->",
  main: word(2),
  __main_void: "->i32",
  malloc: word(1),
  proxy_on_memory_allocate: word(1),
  proxy_validate_configuration: word(2),
  proxy_on_vm_start: word(2),
  proxy_on_configure: word(2),
  proxy_on_tick: "i32->",
  proxy_on_context_create: "i32,i32->",
  proxy_on_new_connection: word(1),
  proxy_on_downstream_data: word(3),
  proxy_on_upstream_data: word(3),
  proxy_on_downstream_connection_close: "i32,i32->",
  proxy_on_upstream_connection_close: "i32,i32->",
  proxy_on_request_headers: word(3),
  proxy_on_request_body: word(3),
  proxy_on_request_trailers: word(2),
  proxy_on_request_metadata: word(2),
  proxy_on_response_headers: word(3),
  proxy_on_response_body: word(3),
  proxy_on_response_trailers: word(2),
  proxy_on_response_metadata: word(2),
  proxy_on_http_call_response: "i32,i32,i32,i32,i32->",
  proxy_on_grpc_receive: "i32,i32,i32->",
  proxy_on_grpc_close: "i32,i32,i32->",
  proxy_on_grpc_receive_initial_metadata: "i32,i32,i32->",
  proxy_on_grpc_receive_trailing_metadata: "i32,i32,i32->",
  proxy_on_queue_ready: "i32,i32->",
  proxy_on_foreign_function: "i32,i32,i32->",
  proxy_on_done: word(1),
  proxy_on_log: "i32->",
  proxy_on_delete: "i32->",
};

/**
 * Host calls a guest may make while the host is inside `_initialize`/`_start` (cpp-host
 * `startVm`): logging and WASI only. Anything else traps with "restricted_callback".
 */
export function allowedDuringStart(module: string, name: string): boolean {
  if (module !== "env") return true;
  return name === "proxy_log" || name === "emscripten_notify_memory_growth";
}

/** Host calls a guest may make from inside `malloc` (cpp-host `allocMemory`). */
export function allowedDuringMalloc(module: string, name: string): boolean {
  if (module === "env") return name === "proxy_log";
  return name === "fd_write" || name === "clock_time_get" || name === "poll_oneoff";
}
