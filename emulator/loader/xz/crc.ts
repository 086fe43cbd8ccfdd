// The two integrity checks xz streams carry: CRC-32 (IEEE 802.3, the polynomial 0xEDB88320
// reflected) and CRC-64 (ECMA-182, 0xC96C5795D7870F42 reflected), each table-driven. CRC-64
// runs on two 32-bit halves so it needs no BigInt in the loop.

let crc32Table: Uint32Array | null = null;
let crc64Lo: Uint32Array | null = null;
let crc64Hi: Uint32Array | null = null;

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = crc32Table ??= makeCrc32Table();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-64 as [low 32 bits, high 32 bits]. */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length): [number, number] {
  if (!crc64Lo || !crc64Hi) [crc64Lo, crc64Hi] = makeCrc64Tables();
  const lo = crc64Lo;
  const hi = crc64Hi;
  let cl = 0xffffffff;
  let ch = 0xffffffff;
  for (let i = start; i < end; i++) {
    const idx = (cl ^ bytes[i]) & 0xff;
    // (c >> 8) ^ table[idx], on the halves.
    cl = ((cl >>> 8) | (ch << 24)) ^ lo[idx];
    ch = (ch >>> 8) ^ hi[idx];
  }
  return [(cl ^ 0xffffffff) >>> 0, (ch ^ 0xffffffff) >>> 0];
}

function makeCrc32Table(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

function makeCrc64Tables(): [Uint32Array, Uint32Array] {
  const polyLo = 0xd7870f42;
  const polyHi = 0xc96c5795;
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let l = n;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | (h << 31)) >>> 0;
      h = h >>> 1;
      if (carry) { l = (l ^ polyLo) >>> 0; h = (h ^ polyHi) >>> 0; }
    }
    lo[n] = l;
    hi[n] = h;
  }
  return [lo, hi];
}
