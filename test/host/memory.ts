// Guest linear memory access, with bounds checks that mirror cpp-host's getMemory/setWord
// (a bad range is an INVALID_MEMORY_ACCESS result, never a host crash).

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function bytesOf(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? utf8Encoder.encode(value) : value;
}

export function text(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  private alloc: ((size: number) => number) | null = null;
  private u8: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));

  attach(memory: WebAssembly.Memory, alloc: (size: number) => number): void {
    this.memory = memory;
    this.alloc = alloc;
    this.refresh();
  }

  get attached(): boolean {
    return this.memory !== null;
  }

  /** Current guest memory size in bytes. */
  get size(): number {
    return this.memory === null ? 0 : this.memory.buffer.byteLength;
  }

  /** A view over all of guest memory; growing memory detaches the old buffer, so re-check. */
  bytes(): Uint8Array {
    if (this.u8.byteLength === 0) this.refresh();
    return this.u8;
  }

  data(): DataView {
    if (this.dv.byteLength === 0) this.refresh();
    return this.dv;
  }

  private refresh(): void {
    if (this.memory === null) return;
    const buffer = this.memory.buffer;
    if (this.u8.buffer !== buffer) {
      this.u8 = new Uint8Array(buffer);
      this.dv = new DataView(buffer);
    }
  }

  inBounds(ptr: number, size: number): boolean {
    return ptr >= 0 && size >= 0 && ptr + size <= this.bytes().byteLength;
  }

  /** A live view of guest memory (no copy), or null when out of bounds. */
  view(ptr: number, size: number): Uint8Array | null {
    ptr >>>= 0;
    size >>>= 0;
    if (!this.inBounds(ptr, size)) return null;
    return this.u8.subarray(ptr, ptr + size);
  }

  /** A copy of guest memory, or null when out of bounds. */
  read(ptr: number, size: number): Uint8Array | null {
    ptr >>>= 0;
    size >>>= 0;
    if (!this.inBounds(ptr, size)) return null;
    return this.u8.slice(ptr, ptr + size);
  }

  readString(ptr: number, size: number): string | null {
    const v = this.view(ptr, size);
    return v === null ? null : utf8Decoder.decode(v);
  }

  write(ptr: number, bytes: Uint8Array): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, bytes.length)) return false;
    this.u8.set(bytes, ptr);
    return true;
  }

  /** Pointer-sized slot: an i32 in wasm32. */
  writeWord(ptr: number, value: number): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, 4)) return false;
    this.dv.setUint32(ptr, value >>> 0, true);
    return true;
  }

  writeU64(ptr: number, value: bigint): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, 8)) return false;
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  /**
   * Allocates `size` bytes in the guest (malloc / proxy_on_memory_allocate); 0 on failure or
   * when the block it returns is not inside memory. Guest traps propagate.
   */
  allocate(size: number): number {
    if (this.alloc === null) return 0;
    const ptr = this.alloc(size) >>> 0;
    if (ptr === 0 || !this.inBounds(ptr, size)) return 0;
    return ptr;
  }

  /**
   * Hands `bytes` to the guest as cpp-host's copyToPointerSize does: allocate and copy when
   * non-empty (an empty value is pointer 0), then store pointer and size in the return slots.
   */
  copyToPointerSize(bytes: Uint8Array, ptrPtr: number, sizePtr: number): boolean {
    let ptr = 0;
    const size = bytes.length;
    if (size > 0) {
      ptr = this.allocate(size);
      if (ptr === 0) return false;
      this.bytes().set(bytes, ptr);
    }
    return this.writeWord(ptrPtr, ptr) && this.writeWord(sizePtr, size);
  }
}
