// Bounds-checked cursor over one DWARF section. Every read past the end becomes a DwarfError
// naming the section and offset, so malformed debug information never crashes the host.

export class DwarfError extends Error {
  constructor(message: string) { super(message); this.name = 'DwarfError'; }
}

export function hex(n: number): string { return '0x' + n.toString(16); }

const decoder = new TextDecoder('utf-8', { fatal: false });

export class Cursor {
  constructor(readonly b: Uint8Array, public pos: number, readonly end: number, readonly what: string) {
    if (end > b.length) this.end = b.length;
  }
  get atEnd(): boolean { return this.pos >= this.end; }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new DwarfError(`${this.what}: truncated at ${hex(this.pos)} (needs ${n} bytes, ends at ${hex(this.end)})`);
  }
  skip(n: number): void { this.need(n); this.pos += n; }
  u8(): number { this.need(1); return this.b[this.pos++]!; }
  i8(): number { const v = this.u8(); return v > 127 ? v - 256 : v; }
  u16(): number { this.need(2); const v = this.b[this.pos]! | (this.b[this.pos + 1]! << 8); this.pos += 2; return v; }
  i16(): number { const v = this.u16(); return v > 0x7fff ? v - 0x10000 : v; }
  u24(): number { const lo = this.u16(); return lo + this.u8() * 0x10000; }
  u32(): number {
    this.need(4);
    const p = this.pos, b = this.b;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  i32(): number { return this.u32() | 0; }
  /** 64-bit values as numbers; above 2^53 precision is lost, which only matters for data8 constants. */
  u64(): number { const lo = this.u32(); const hi = this.u32(); return hi * 0x100000000 + lo; }
  i64(): number { const lo = this.u32(); const hi = this.u32() | 0; return hi * 0x100000000 + lo; }
  uleb(): number {
    let result = 0, mul = 1, byte: number, n = 0;
    do {
      byte = this.u8();
      if (n++ < 10) result += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return result;
  }
  sleb(): number {
    let result = 0, mul = 1, byte: number, n = 0;
    do {
      byte = this.u8();
      if (n++ < 10) result += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return byte & 0x40 && n <= 10 ? result - mul : result;
  }
  /** LEB128 values exactly, for 64-bit expression operands. */
  ulebBig(): bigint {
    let result = 0n, shift = 0n, byte: number;
    do { byte = this.u8(); if (shift < 70n) result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    return result;
  }
  slebBig(): bigint {
    let result = 0n, shift = 0n, byte: number;
    do { byte = this.u8(); if (shift < 70n) result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    return byte & 0x40 && shift < 77n ? result - (1n << shift) : result;
  }
  bytes(n: number): Uint8Array { this.need(n); const v = this.b.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  cstr(): string {
    const start = this.pos;
    while (this.pos < this.end && this.b[this.pos] !== 0) this.pos++;
    if (this.pos >= this.end) throw new DwarfError(`${this.what}: unterminated string at ${hex(start)}`);
    const s = decoder.decode(this.b.subarray(start, this.pos));
    this.pos++;
    return s;
  }
  addr(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      // The signed value: exact for every canonical x86-64 address (see arch.ts).
      case 8: return this.i64();
      default: throw new DwarfError(`${this.what}: unsupported address size ${size}`);
    }
  }
  offset(is64: boolean): number { return is64 ? this.u64() : this.u32(); }
  /** An initial length field: the unit's end and whether it uses the 64-bit format. */
  unitLength(): { end: number; is64: boolean } {
    let len = this.u32();
    let is64 = false;
    if (len === 0xffffffff) { len = this.u64(); is64 = true; }
    else if (len >= 0xfffffff0) throw new DwarfError(`${this.what}: reserved unit length ${hex(len)} at ${hex(this.pos - 4)}`);
    const end = this.pos + len;
    if (end > this.end) throw new DwarfError(`${this.what}: unit at ${hex(this.pos - 4)} is ${len} bytes, past the section end ${hex(this.end)}`);
    return { end, is64 };
  }
}

/** The NUL-terminated string at `off` in a string section, or a DwarfError. */
export function stringAt(sec: Uint8Array | undefined, off: number, what: string): string {
  if (!sec) throw new DwarfError(`${what}: string section is missing`);
  if (off < 0 || off >= sec.length) throw new DwarfError(`${what}: string offset ${hex(off)} is outside the ${sec.length}-byte section`);
  let end = off;
  while (end < sec.length && sec[end] !== 0) end++;
  return decoder.decode(sec.subarray(off, end));
}
