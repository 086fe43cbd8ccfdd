// Bounds-checked little-endian reads over an image. Every read outside the buffer becomes
// an ImageError naming what was being read, never a RangeError or an undefined.

import { ImageError, hex } from './image-error';

export class ByteReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number { return this.bytes.length; }

  /** Throws unless [offset, offset+size) lies inside the image. */
  need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 ||
        offset + size > this.bytes.length) {
      throw new ImageError(
        `${what} extends past the end of the image (needs ${size} bytes at ${hex(offset)}, image is ${this.bytes.length} bytes)`,
        { offset, field: what });
    }
  }

  u8(offset: number, what: string): number { this.need(offset, 1, what); return this.bytes[offset]; }
  u16(offset: number, what: string): number { this.need(offset, 2, what); return this.view.getUint16(offset, true); }
  u32(offset: number, what: string): number { this.need(offset, 4, what); return this.view.getUint32(offset, true); }

  /** A 64-bit value as a number; ImageError if it does not fit in 2^53. */
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (hi >= 0x200000) throw new ImageError(`${what} is too large to represent`, { offset, field: what });
    return hi * 0x100000000 + lo;
  }

  /** A signed 64-bit value as a number; ImageError unless it is exact in a double (|v| <= 2^53). */
  s64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getInt32(offset + 4, true);
    if (hi >= 0x200000 || hi < -0x200000) {
      throw new ImageError(`${what} 0x${(BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo))).toString(16)} is not a canonical x86-64 address`, { offset, field: what });
    }
    return hi * 0x100000000 + lo;
  }

  /** A NUL-terminated string starting at offset, not reading past `end`. */
  cstring(offset: number, end: number, what: string): string {
    const limit = Math.min(end, this.bytes.length);
    if (offset < 0 || offset >= limit) throw new ImageError(`${what} lies outside its table`, { offset, field: what });
    let stop = offset;
    while (stop < limit && this.bytes[stop] !== 0) stop++;
    return latin1(this.bytes.subarray(offset, stop));
  }
}

/** Decode bytes 1:1 into a string (names in ELF files are bytes, not text). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 4096, bytes.length)));
  }
  return s;
}
