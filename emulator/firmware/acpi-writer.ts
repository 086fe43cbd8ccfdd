// Writing ACPI tables: a little-endian byte writer, the common 36-byte header with our OEM
// identity, and the checksum that seals a table. Shared by the PC's tables (acpi-tables.ts)
// and the PVH domain's (pvh-acpi-tables.ts).

export const OEM_ID = 'PRVIRT';
const OEM_TABLE_ID = 'PARAVIRT';
const CREATOR_ID = 'PVRT';

/** A little-endian byte writer for one table. */
export class TableWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(length: number) { this.bytes = new Uint8Array(length); this.view = new DataView(this.bytes.buffer); }
  u8(off: number, v: number): void { this.view.setUint8(off, v); }
  u16(off: number, v: number): void { this.view.setUint16(off, v, true); }
  u32(off: number, v: number): void { this.view.setUint32(off, v >>> 0, true); }
  u64(off: number, v: number): void { this.u32(off, v % 2 ** 32); this.u32(off + 4, Math.floor(v / 2 ** 32)); }
  ascii(off: number, s: string): void { for (let i = 0; i < s.length; i++) this.bytes[off + i] = s.charCodeAt(i); }
  /** A Generic Address Structure: space 0 = memory, 1 = system I/O. */
  gas(off: number, space: 0 | 1, bitWidth: number, accessSize: number, address: number): void {
    this.u8(off, space); this.u8(off + 1, bitWidth); this.u8(off + 2, 0); this.u8(off + 3, accessSize); this.u64(off + 4, address);
  }
  /** The byte at `at` that makes the bytes in [from, to) sum to zero. */
  checksum(at: number, from = 0, to = this.bytes.length): void {
    let s = 0;
    for (let i = from; i < to; i++) if (i !== at) s += this.bytes[i]!;
    this.bytes[at] = (256 - (s & 0xff)) & 0xff;
  }
}

/** A table with the common 36-byte header; the caller fills the body, then seal() sums it. */
export function table(signature: string, length: number, revision: number): TableWriter {
  const w = new TableWriter(length);
  w.ascii(0, signature); w.u32(4, length); w.u8(8, revision);
  w.ascii(10, OEM_ID); w.ascii(16, OEM_TABLE_ID); w.u32(24, 1);
  w.ascii(28, CREATOR_ID); w.u32(32, 1);
  return w;
}
export function seal(w: TableWriter): Uint8Array { w.checksum(9); return w.bytes; }

export function le32(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]; }
