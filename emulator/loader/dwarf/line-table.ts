// Addresses to source lines from an ELF image's DWARF .debug_line (versions 2 to 5: nasm
// -F dwarf writes 3, gcc 12 writes 5), for the exit profile and the debugger. Reads the
// line-number programs (DWARF 5 spec, section 6.2) and answers "which file and line holds
// this address" and, the other way, "which addresses begin this line".

import { parseElf32, isElf } from '../elf32';
import type { Elf32Image, SectionHeader } from '../elf32';

export interface SourceLine { file: string; line: number }

interface Range { start: number; end: number; file: string; line: number; isStmt: boolean }

class Cursor {
  constructor(readonly b: Uint8Array, public pos: number, readonly end: number) {}
  need(n: number): void { if (this.pos + n > this.end) throw new RangeError('.debug_line: truncated'); }
  u8(): number { this.need(1); return this.b[this.pos++]!; }
  i8(): number { const v = this.u8(); return v > 127 ? v - 256 : v; }
  u16(): number { this.need(2); const v = this.b[this.pos]! | (this.b[this.pos + 1]! << 8); this.pos += 2; return v; }
  u32(): number {
    this.need(4);
    const v = (this.b[this.pos]! | (this.b[this.pos + 1]! << 8) | (this.b[this.pos + 2]! << 16) | (this.b[this.pos + 3]! << 24)) >>> 0;
    this.pos += 4;
    return v;
  }
  u64(): number { const lo = this.u32(); const hi = this.u32(); return hi * 0x100000000 + lo; }
  uleb(): number {
    let result = 0, mul = 1, byte: number;
    do { byte = this.u8(); result += (byte & 0x7f) * mul; mul *= 128; } while (byte & 0x80);
    return result;
  }
  sleb(): number {
    let result = 0, mul = 1, byte: number;
    do { byte = this.u8(); result += (byte & 0x7f) * mul; mul *= 128; } while (byte & 0x80);
    return byte & 0x40 ? result - mul : result;
  }
  cstr(): string {
    const start = this.pos;
    while (this.pos < this.end && this.b[this.pos] !== 0) this.pos++;
    if (this.pos >= this.end) throw new RangeError('.debug_line: unterminated string');
    const s = new TextDecoder().decode(this.b.subarray(start, this.pos));
    this.pos++;
    return s;
  }
  addr(size: number): number { return size === 8 ? this.u64() : size === 2 ? this.u16() : size === 1 ? this.u8() : this.u32(); }
}

function section(elf: Elf32Image, name: string): Uint8Array | null {
  const s: SectionHeader | undefined = elf.sections.find((x) => x.name === name);
  if (!s || s.offset + s.size > elf.reader.bytes.length) return null;
  return elf.reader.bytes.subarray(s.offset, s.offset + s.size);
}

function strAt(sec: Uint8Array | null, off: number): string {
  if (!sec || off >= sec.length) return '';
  let end = off;
  while (end < sec.length && sec[end] !== 0) end++;
  return new TextDecoder().decode(sec.subarray(off, end));
}

function joinPath(dir: string, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

// DW_LNCT_* and the DW_FORM_* a line table header may use.
const LNCT_PATH = 1, LNCT_DIR = 2;
const FORM = { block: 0x09, data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07, data16: 0x1e, string: 0x08, strp: 0x0e, udata: 0x0f, line_strp: 0x1f, strx: 0x1a, strx1: 0x25, strx2: 0x26, strx4: 0x28 };

function readForm(c: Cursor, form: number, offset64: boolean, str: Uint8Array | null, lineStr: Uint8Array | null): string | number {
  switch (form) {
    case FORM.string: return c.cstr();
    case FORM.line_strp: return strAt(lineStr, offset64 ? c.u64() : c.u32());
    case FORM.strp: return strAt(str, offset64 ? c.u64() : c.u32());
    case FORM.udata: return c.uleb();
    case FORM.data1: return c.u8();
    case FORM.data2: return c.u16();
    case FORM.data4: return c.u32();
    case FORM.data8: return c.u64();
    case FORM.data16: c.need(16); c.pos += 16; return 0;
    case FORM.block: { const n = c.uleb(); c.need(n); c.pos += n; return 0; }
    case FORM.strx: case FORM.strx1: case FORM.strx2: case FORM.strx4:
      // needs .debug_str_offsets and the unit's base: not used by line tables in practice
      if (form === FORM.strx) c.uleb(); else c.pos += form === FORM.strx1 ? 1 : form === FORM.strx2 ? 2 : 4;
      return '';
    default: throw new RangeError(`.debug_line: unsupported form 0x${form.toString(16)}`);
  }
}

function readEntryFormats(c: Cursor): Array<[number, number]> {
  const n = c.u8();
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) out.push([c.uleb(), c.uleb()]);
  return out;
}

/** Decodes one line-number program unit starting at `pos`; returns the offset after it. */
function decodeUnit(data: Uint8Array, pos: number, str: Uint8Array | null, lineStr: Uint8Array | null, out: Range[]): number {
  const c = new Cursor(data, pos, data.length);
  let unitLength = c.u32();
  let offset64 = false;
  if (unitLength === 0xffffffff) { unitLength = c.u64(); offset64 = true; }
  const unitEnd = c.pos + unitLength;
  if (unitEnd > data.length) throw new RangeError('.debug_line: unit extends past the section');
  const u = new Cursor(data, c.pos, unitEnd);
  const version = u.u16();
  if (version < 2 || version > 5) return unitEnd; // not ours to read; skip the unit
  let addressSize = 4;
  if (version >= 5) { addressSize = u.u8(); u.u8(); }
  const headerLength = offset64 ? u.u64() : u.u32();
  const programStart = u.pos + headerLength;
  const minInst = u.u8();
  if (version >= 4) u.u8(); // maximum_operations_per_instruction: 1 on x86
  const defaultIsStmt = u.u8() !== 0;
  const lineBase = u.i8();
  const lineRange = u.u8();
  const opcodeBase = u.u8();
  const stdLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(u.u8());
  if (lineRange === 0) throw new RangeError('.debug_line: line_range is 0');

  const dirs: string[] = [];
  const files: string[] = [];
  if (version >= 5) {
    const dirFormats = readEntryFormats(u);
    const nDirs = u.uleb();
    for (let i = 0; i < nDirs; i++) {
      let path = '';
      for (const [ct, form] of dirFormats) { const v = readForm(u, form, offset64, str, lineStr); if (ct === LNCT_PATH) path = String(v); }
      dirs.push(path);
    }
    const fileFormats = readEntryFormats(u);
    const nFiles = u.uleb();
    for (let i = 0; i < nFiles; i++) {
      let path = '', dir = 0;
      for (const [ct, form] of fileFormats) {
        const v = readForm(u, form, offset64, str, lineStr);
        if (ct === LNCT_PATH) path = String(v); else if (ct === LNCT_DIR) dir = Number(v);
      }
      files.push(joinPath(dirs[dir] ?? '', path));
    }
  } else {
    dirs.push(''); // index 0: the compilation directory, which lives in .debug_info
    for (let d = u.cstr(); d !== ''; d = u.cstr()) dirs.push(d);
    files.push(''); // file numbers start at 1
    for (let name = u.cstr(); name !== ''; name = u.cstr()) {
      const dir = u.uleb(); u.uleb(); u.uleb();
      files.push(joinPath(dirs[dir] ?? '', name));
    }
  }

  const p = new Cursor(data, programStart, unitEnd);
  let address = 0, file = 1, line = 1, isStmt = defaultIsStmt;
  let seq: Array<{ address: number; file: number; line: number; isStmt: boolean }> = [];
  const emit = () => { seq.push({ address, file, line, isStmt }); };
  const endSequence = () => {
    for (let i = 0; i < seq.length; i++) {
      const r = seq[i]!;
      const next = i + 1 < seq.length ? seq[i + 1]!.address : address;
      if (next <= r.address) continue;
      // gcc's location views put several rows at one address; the last one gives the line,
      // and it is a statement if any row of that same line at that address said so.
      let stmt = r.isStmt;
      for (let j = i - 1; !stmt && j >= 0 && seq[j]!.address === r.address; j--) {
        const q = seq[j]!;
        if (q.file === r.file && q.line === r.line && q.isStmt) stmt = true;
      }
      out.push({ start: r.address, end: next, file: files[r.file] ?? `file${r.file}`, line: r.line, isStmt: stmt });
    }
    seq = [];
    address = 0; file = 1; line = 1; isStmt = defaultIsStmt;
  };
  while (p.pos < unitEnd) {
    const op = p.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address += Math.floor(adj / lineRange) * minInst;
      line += lineBase + (adj % lineRange);
      emit();
    } else if (op === 0) {
      const len = p.uleb();
      const start = p.pos;
      if (len === 0) continue;
      const sub = p.u8();
      if (sub === 1) { emit(); endSequence(); }
      else if (sub === 2) address = p.addr(len - 1 || addressSize);
      else if (sub === 3) { const name = p.cstr(); const dir = p.uleb(); p.uleb(); p.uleb(); files.push(joinPath(dirs[dir] ?? '', name)); }
      p.pos = start + len;
    } else {
      switch (op) {
        case 1: emit(); break;                                        // copy
        case 2: address += p.uleb() * minInst; break;                 // advance_pc
        case 3: line += p.sleb(); break;                              // advance_line
        case 4: file = p.uleb(); break;                               // set_file
        case 5: p.uleb(); break;                                      // set_column
        case 6: isStmt = !isStmt; break;                              // negate_stmt
        case 7: case 10: case 11: break;                              // flags we do not need
        case 8: address += Math.floor((255 - opcodeBase) / lineRange) * minInst; break; // const_add_pc
        case 9: address += p.u16(); break;                            // fixed_advance_pc
        default: for (let i = 0; i < (stdLengths[op] ?? 0); i++) p.uleb();
      }
    }
    address >>>= 0;
  }
  return unitEnd;
}

/** Line lookup for one image; empty when the image has no (readable) line table. */
export class LineTable {
  private constructor(private readonly ranges: Range[]) {}

  static fromImage(bytes: Uint8Array): LineTable {
    if (!isElf(bytes)) return new LineTable([]);
    try {
      const elf = parseElf32(bytes);
      const data = section(elf, '.debug_line');
      if (!data) return new LineTable([]);
      const str = section(elf, '.debug_str');
      const lineStr = section(elf, '.debug_line_str');
      const ranges: Range[] = [];
      for (let pos = 0; pos + 4 <= data.length;) pos = decodeUnit(data, pos, str, lineStr, ranges);
      ranges.sort((a, b) => a.start - b.start);
      return new LineTable(ranges);
    } catch {
      // A damaged line table costs the profile its file/line fields, never the run.
      return new LineTable([]);
    }
  }

  get size(): number { return this.ranges.length; }

  /** Every file named by a row, as the line program spells it. */
  files(): string[] { return [...new Set(this.ranges.map((r) => r.file))]; }

  /** True when a statement row starts exactly at this address (a place a line step may stop). */
  isStatementStart(address: number): boolean {
    const i = this.indexAt(address);
    return i >= 0 && this.ranges[i]!.start === address && this.ranges[i]!.isStmt;
  }

  /**
   * The first line at or after `line` that has code in the file `matches` accepts, and the
   * addresses where its statements begin (several when the compiler split the line).
   */
  addressesForLine(matches: (file: string) => boolean, line: number): { file: string; line: number; addresses: number[] } | undefined {
    let best: { file: string; line: number } | undefined;
    for (const r of this.ranges) {
      if (!r.isStmt || r.line < line || !matches(r.file)) continue;
      if (!best || r.line < best.line) best = { file: r.file, line: r.line };
    }
    if (!best) return undefined;
    const starts: number[] = [];
    for (let i = 0; i < this.ranges.length; i++) {
      const r = this.ranges[i]!;
      if (r.line !== best.line || r.file !== best.file || !r.isStmt) continue;
      // Only the first row of a run of rows for this line begins it; the rest continue it.
      const prev = i > 0 ? this.ranges[i - 1] : undefined;
      if (prev && prev.end === r.start && prev.line === r.line && prev.file === r.file) continue;
      starts.push(r.start);
    }
    return { ...best, addresses: starts };
  }

  private indexAt(address: number): number {
    const r = this.ranges;
    let lo = 0, hi = r.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.start <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best >= 0 && address < r[best]!.end ? best : -1;
  }

  lookup(address: number): SourceLine | undefined {
    const r = this.ranges;
    let lo = 0, hi = r.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.start <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const hit = r[best]!;
    return address < hit.end ? { file: hit.file, line: hit.line } : undefined;
  }
}
