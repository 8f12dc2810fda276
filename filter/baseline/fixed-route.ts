// Routes every request to one fixed upstream: it reads the authority and writes the routing
// header, the host calls any header-routing filter must make, and decides nothing. The
// benchmarks use it to separate the cost of the proxy-wasm ABI from the cost of our decision.
import {
  proxy_get_header_map_value, proxy_replace_header_map_value,
} from "@solo-io/proxy-runtime/assembly/imports";

export {
  malloc, proxy_abi_version_0_2_1, proxy_on_configure, proxy_on_context_create, proxy_on_vm_start,
} from "./minimal-plugin";

const slots = memory.data(8);
const AUTHORITY = memory.data<u8>([0x3a, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x74, 0x79]); // ":authority"
const HEADER = memory.data<u8>([0x78, 0x2d, 0x73, 0x6f, 0x6c, 0x61, 0x72, 0x2d, 0x75, 0x70, 0x73, 0x74, 0x72, 0x65, 0x61, 0x6d]); // "x-solar-upstream"
const UPSTREAM = memory.data<u8>([0x61]); // "a"

export function proxy_on_request_headers(_contextId: u32, _headers: u32, _endOfStream: bool): u32 {
  if (proxy_get_header_map_value(0, AUTHORITY, 10, slots, slots + 4) == 0) {
    proxy_replace_header_map_value(0, HEADER, 16, UPSTREAM, 1);
  }
  return 0;
}
