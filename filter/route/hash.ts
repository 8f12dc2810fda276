// Hashes for service lookup and sticky choice. Keys are folded to lower case while hashing so
// the request path needs no copy.

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

@inline
export function foldByte(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

/** FNV-1a 64 of `len` bytes at `ptr`, ASCII-case-folded. */
export function fnv1a64Folded(ptr: usize, len: i32): u64 {
  let h = FNV_OFFSET;
  for (let i = 0; i < len; i++) {
    h = (h ^ <u64>foldByte(load<u8>(ptr + <usize>i))) * FNV_PRIME;
  }
  return h;
}

/** FNV-1a 64 of `len` bytes at `ptr`, as they are. */
export function fnv1a64(ptr: usize, len: i32): u64 {
  let h = FNV_OFFSET;
  for (let i = 0; i < len; i++) {
    h = (h ^ <u64>load<u8>(ptr + <usize>i)) * FNV_PRIME;
  }
  return h;
}

/** SplitMix64's finalizer: spreads every input bit over the output. */
@inline
export function mix64(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

/** True when `len` bytes at `a` equal the bytes at `b` after folding `a` to lower case. */
export function equalsFolded(a: usize, b: usize, len: i32): bool {
  for (let i = 0; i < len; i++) {
    if (foldByte(load<u8>(a + <usize>i)) != <u32>load<u8>(b + <usize>i)) return false;
  }
  return true;
}
