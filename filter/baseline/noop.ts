// A filter that does nothing, built with the same toolchain and exporting the same per-request
// callbacks as the real one: the baseline our benchmarks divide by.
export {
  malloc, proxy_abi_version_0_2_1, proxy_on_configure, proxy_on_context_create, proxy_on_vm_start,
} from "./minimal-plugin";

export function proxy_on_request_headers(_contextId: u32, _headers: u32, _endOfStream: bool): u32 {
  return 0;
}
