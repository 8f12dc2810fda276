// CRC-32 (IEEE 802.3, reflected, as zlib computes it) over a span of linear memory.

const TABLE = new StaticArray<u32>(256);

function fillTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    unchecked((TABLE[n] = c));
  }
}
fillTable();

export function crc32(ptr: usize, len: i32): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < len; i++) {
    c = unchecked(TABLE[(c ^ load<u8>(ptr + <usize>i)) & 0xff]) ^ (c >>> 8);
  }
  return c ^ 0xffffffff;
}
