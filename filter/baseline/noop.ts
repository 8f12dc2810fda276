// A filter that does nothing, built with the same toolchain and exporting the same per-request
// callbacks as the real one: the baseline our benchmarks divide by.
import "../runtime/abort";

export function proxy_abi_version_0_2_1(): void {}

const ARENA_SIZE: usize = 4096;
const arena = memory.data(ARENA_SIZE as i32);

export function malloc(size: usize): usize {
  return size <= ARENA_SIZE ? arena : heap.alloc(size);
}

export function proxy_on_vm_start(_rootId: u32, _size: u32): bool {
  return true;
}

export function proxy_on_configure(_rootId: u32, _size: u32): bool {
  return true;
}

export function proxy_on_context_create(_contextId: u32, _parentId: u32): void {}

export function proxy_on_request_headers(_contextId: u32, _headers: u32, _endOfStream: bool): u32 {
  return 0;
}

