// What every baseline filter exports besides its request callback: the ABI marker, a malloc
// that serves host buffers from a static block, and plugin start-up that accepts any config.
import "../runtime/abort";

const ARENA_SIZE: usize = 4096;
const arena = memory.data(<i32>ARENA_SIZE);

export function proxy_abi_version_0_2_1(): void {}

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
