// What the debugger needs of an ELF64 (x86-64) file: its machine, its section headers (for the
// DWARF sections) and its .symtab. The loader's ELF reader (../elf.ts) reads ELF64 too now; this
// reader came first and the debug side still reads these tables itself, bounds-checked the
// same way (every problem an ImageError naming the field). Addresses are the signed value of
// their 64 bits, as everywhere in the DWARF reader (arch.ts): exact for canonical addresses.

import { ByteReader } from '../byte-reader';
import { ImageError } from '../image-error';

export const ELFCLASS64 = 2;
export const EM_X86_64 = 62;

export interface Elf64Section { index: number; name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }
export interface Elf64Symbol { name: string; value: number; size: number; type: number; bind: number; shndx: number }
export interface Elf64Tables { machine: number; entry: number; sections: Elf64Section[]; bytes: Uint8Array }

const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const MAX_SECTIONS = 65_535;

/** True for an ELF file of class 64 (EI_CLASS). */
export function isElf64(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 && bytes[4] === ELFCLASS64;
}

/** A 64-bit field as a signed number: exact for addresses (canonical) and sizes (< 2^53). */
function s64(r: ByteReader, off: number, what: string): number {
  const lo = r.u32(off, what);
  const hi = r.u32(off + 4, what) | 0;
  return hi * 0x100000000 + lo;
}

/** A 64-bit file offset or size: must fit a number. */
function size64(r: ByteReader, off: number, what: string): number { return r.u64(off, what); }

export function readElf64Tables(bytes: Uint8Array): Elf64Tables {
  if (!isElf64(bytes)) throw new ImageError('not an ELF64 file', { offset: 4, field: 'e_ident[EI_CLASS]' });
  const r = new ByteReader(bytes);
  if (r.u8(5, 'e_ident[EI_DATA]') !== 1) throw new ImageError('big-endian ELF64 is not supported', { offset: 5, field: 'e_ident[EI_DATA]' });
  const machine = r.u16(0x12, 'e_machine');
  const entry = s64(r, 0x18, 'e_entry');
  const shoff = size64(r, 0x28, 'e_shoff');
  const shentsize = r.u16(0x3a, 'e_shentsize');
  let shnum = r.u16(0x3c, 'e_shnum');
  let shstrndx = r.u16(0x3e, 'e_shstrndx');
  if (shoff === 0) return { machine, entry, sections: [], bytes };
  if (shentsize !== SHDR_SIZE) throw new ImageError(`e_shentsize is ${shentsize}, expected ${SHDR_SIZE}`, { offset: 0x3a, field: 'e_shentsize' });
  // Extended numbering: section 0 holds the real count and string table index.
  if (shnum === 0) shnum = size64(r, shoff + 0x20, 'section header 0 sh_size');
  if (shstrndx === 0xffff) shstrndx = r.u32(shoff + 0x28, 'section header 0 sh_link');
  if (shnum > MAX_SECTIONS) throw new ImageError(`${shnum} section headers`, { offset: 0x3c, field: 'e_shnum' });
  r.need(shoff, shnum * SHDR_SIZE, 'section header table');
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * SHDR_SIZE;
    raw.push({
      index: i, nameOffset: r.u32(o, `section ${i} sh_name`), type: r.u32(o + 4, `section ${i} sh_type`),
      flags: r.u32(o + 8, `section ${i} sh_flags`), addr: s64(r, o + 0x10, `section ${i} sh_addr`),
      offset: size64(r, o + 0x18, `section ${i} sh_offset`), size: size64(r, o + 0x20, `section ${i} sh_size`),
      link: r.u32(o + 0x28, `section ${i} sh_link`), entsize: size64(r, o + 0x38, `section ${i} sh_entsize`),
    });
  }
  const strtab = raw[shstrndx];
  const sections = raw.map((s) => ({ ...s, name: strtab && strtab.type !== 8 ? stringAt(r, strtab.offset, strtab.size, s.nameOffset, `section ${s.index} name`) : '' }));
  return { machine, entry, sections, bytes };
}

function stringAt(r: ByteReader, base: number, size: number, off: number, what: string): string {
  if (off >= size) throw new ImageError(`${what}: string offset ${off} is outside its ${size}-byte table`, { offset: base, field: what });
  r.need(base, size, what);
  let end = base + off;
  while (end < base + size && r.bytes[end] !== 0) end++;
  return new TextDecoder().decode(r.bytes.subarray(base + off, end));
}

/** Every .symtab entry of an ELF64 file, names resolved. */
export function readElf64Symbols(t: Elf64Tables): Elf64Symbol[] {
  const r = new ByteReader(t.bytes);
  const out: Elf64Symbol[] = [];
  for (const sec of t.sections) {
    if (sec.type !== 2 /* SHT_SYMTAB */) continue;
    const str = t.sections[sec.link];
    if (!str) throw new ImageError(`.symtab's string table ${sec.link} does not exist`, { field: 'sh_link' });
    r.need(sec.offset, sec.size, '.symtab');
    const n = Math.floor(sec.size / SYM_SIZE);
    for (let i = 1; i < n; i++) {
      const o = sec.offset + i * SYM_SIZE;
      const info = r.u8(o + 4, 'st_info');
      out.push({
        name: stringAt(r, str.offset, str.size, r.u32(o, 'st_name'), `symbol ${i} name`),
        type: info & 0xf, bind: info >> 4, shndx: r.u16(o + 6, 'st_shndx'),
        value: s64(r, o + 8, 'st_value'), size: size64(r, o + 16, 'st_size'),
      });
    }
  }
  return out;
}
