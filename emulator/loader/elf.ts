// ELF (ELFCLASS32 i386 and ELFCLASS64 x86-64, little-endian) parsing: file header, program
// headers, section headers and the .symtab symbols. One reader for both classes, driven by
// the field layout of each (elf-layout.ts). Every table is bounds-checked against the file
// before it is read, so a malformed file yields an ImageError naming the field, never a host
// exception.
//
// Addresses (entry, p_vaddr, p_paddr, sh_addr, st_value) are numbers. In an ELF64 file they
// are read as signed 64-bit values: every canonical x86-64 address, the higher half included
// (0xffffffff81000000 is -0x7f000000), is then exact in a double. A program-header or section
// address that is not is an ImageError; a symbol whose value is not is left out.

import { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';
import { ELF_LAYOUT, type ElfLayout, type Field } from './elf-layout';

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const EM_386 = 3;
export const EM_X86_64 = 62;
export const ET_EXEC = 2;

const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
const SHN_XINDEX = 0xffff;

export interface ElfHeader {
  type: number; machine: number; version: number; entry: number;
  phoff: number; shoff: number; flags: number; ehsize: number;
  phentsize: number; phnum: number; shentsize: number; shnum: number; shstrndx: number;
}
/** The ELF32 name of the same header, kept for the readers written before ELF64. */
export type Elf32Header = ElfHeader;

export interface ProgramHeader {
  index: number; type: number; offset: number; vaddr: number; paddr: number;
  filesz: number; memsz: number; flags: number; align: number;
}

export interface SectionHeader {
  index: number; name: string; nameOffset: number; type: number; flags: number; addr: number;
  offset: number; size: number; link: number; info: number; addralign: number; entsize: number;
}

export interface ElfSymbol {
  name: string; value: number; size: number;
  /** STT_*: 0 notype, 1 object, 2 func, 3 section, 4 file. */
  type: number;
  /** STB_*: 0 local, 1 global, 2 weak. */
  bind: number;
  shndx: number;
}

interface ElfImageBase {
  reader: ByteReader;
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  sections: SectionHeader[];
  /** Index of the section name string table (extended numbering resolved). */
  shstrndx: number;
}
/** An ELFCLASS32 file: machine EM_386. */
export interface Elf32Image extends ElfImageBase { readonly class: 32 }
/** An ELFCLASS64 file: machine EM_X86_64; addresses signed (see the top of this file). */
export interface Elf64Image extends ElfImageBase { readonly class: 64 }
export type ElfImage = Elf32Image | Elf64Image;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** 32 or 64 from EI_CLASS, or null for a file too short or of another class. */
export function elfClass(bytes: Uint8Array): 32 | 64 | null {
  if (!isElf(bytes) || bytes.length < 5) return null;
  return bytes[4] === 1 ? 32 : bytes[4] === 2 ? 64 : null;
}

const MACHINE: Record<32 | 64, { em: number; name: string }> = {
  32: { em: EM_386, name: 'EM_386 (3)' },
  64: { em: EM_X86_64, name: 'EM_X86_64 (62)' },
};

/** Reads a field of the layout: words of 8 bytes as sizes (ImageError past 2^53) or, for addresses, signed. */
function field(r: ByteReader, base: number, fd: Field, what: string, address = false): number {
  switch (fd.size) {
    case 1: return r.u8(base + fd.at, what);
    case 2: return r.u16(base + fd.at, what);
    case 4: return r.u32(base + fd.at, what);
    case 8: return address ? r.s64(base + fd.at, what) : r.u64(base + fd.at, what);
  }
}

/** Parses an ELF of either class (ELFCLASS32 i386 or ELFCLASS64 x86-64). */
export function parseElf(bytes: Uint8Array): ElfImage {
  const r = new ByteReader(bytes);
  if (!isElf(bytes)) throw new ImageError('not an ELF file: bad magic (expected 7F 45 4C 46)', { offset: 0, field: 'e_ident[EI_MAG]' });
  r.need(0, 16, 'e_ident');
  const cls = bytes[4];
  if (cls !== 1 && cls !== 2) {
    throw new ImageError(`unsupported ELF class ${cls === 0 ? 'ELFCLASSNONE' : `unknown class ${cls}`}: only ELFCLASS32 (1) and ELFCLASS64 (2) exist`, { offset: 4, field: 'e_ident[EI_CLASS]' });
  }
  const L = ELF_LAYOUT[cls === 1 ? 32 : 64];
  if (bytes[5] !== 1) {
    throw new ImageError(`unsupported ELF data encoding ${bytes[5]}: only little-endian (ELFDATA2LSB) is valid for x86`, { offset: 5, field: 'e_ident[EI_DATA]' });
  }
  if (bytes[6] !== 1) throw new ImageError(`unsupported ELF ident version ${bytes[6]} (expected 1)`, { offset: 6, field: 'e_ident[EI_VERSION]' });
  r.need(0, L.ehdr.size, 'ELF header');
  // The machine first: a file of the wrong architecture is named as such, not by a field
  // that only looks wrong because it is read with the other class's layout.
  const machine = r.u16(18, 'e_machine');
  const want = MACHINE[L.cls];
  if (machine !== want.em) {
    const other = L.cls === 32 && machine === EM_X86_64 ? ' (an x86-64 machine in a 32-bit ELF)'
      : L.cls === 64 && machine === EM_386 ? ' (an i386 machine in a 64-bit ELF)' : '';
    throw new ImageError(`unsupported machine ${machine}${other}: an ELFCLASS${L.cls} image must be ${want.name}`, { offset: 18, field: 'e_machine' });
  }
  const e = L.ehdr;
  const header: ElfHeader = {
    type: r.u16(16, 'e_type'), machine, version: r.u32(20, 'e_version'),
    entry: field(r, 0, e.entry, 'e_entry', true), phoff: field(r, 0, e.phoff, 'e_phoff'), shoff: field(r, 0, e.shoff, 'e_shoff'),
    flags: field(r, 0, e.flags, 'e_flags'), ehsize: field(r, 0, e.ehsize, 'e_ehsize'), phentsize: field(r, 0, e.phentsize, 'e_phentsize'),
    phnum: field(r, 0, e.phnum, 'e_phnum'), shentsize: field(r, 0, e.shentsize, 'e_shentsize'), shnum: field(r, 0, e.shnum, 'e_shnum'),
    shstrndx: field(r, 0, e.shstrndx, 'e_shstrndx'),
  };
  const { sections, shstrndx } = readSections(r, L, header);
  const programHeaders = readProgramHeaders(r, L, header);
  const base = { reader: r, header, programHeaders, sections, shstrndx };
  return L.cls === 32 ? { class: 32, ...base } : { class: 64, ...base };
}

/** An ELFCLASS32 file only (tools and tests about 32-bit images): ImageError for ELF64. */
export function parseElf32(bytes: Uint8Array): Elf32Image {
  if (isElf(bytes) && bytes.length > 4 && bytes[4] === 2) {
    throw new ImageError('unsupported ELF class ELFCLASS64 here: this reader takes only 32-bit ELF (ELFCLASS32)', { offset: 4, field: 'e_ident[EI_CLASS]' });
  }
  return parseElf(bytes) as Elf32Image;
}

function readProgramHeaders(r: ByteReader, L: ElfLayout, h: ElfHeader): ProgramHeader[] {
  if (h.phnum === 0) return [];
  const P = L.phdr;
  if (h.phentsize < P.size) {
    throw new ImageError(`program header entry size ${h.phentsize} is smaller than Elf${L.cls}_Phdr (${P.size})`, { offset: L.ehdr.phentsize.at, field: 'e_phentsize' });
  }
  const tableSize = h.phnum * h.phentsize;
  if (h.phoff + tableSize > r.length) {
    throw new ImageError(
      `program header table (${h.phnum} x ${h.phentsize} bytes at ${hex(h.phoff)}) extends past the end of the ${r.length}-byte file`,
      { offset: L.ehdr.phoff.at, field: 'e_phoff/e_phnum' });
  }
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * h.phentsize;
    out.push({
      index: i, type: field(r, o, P.type, 'p_type'), offset: field(r, o, P.offset, 'p_offset'),
      vaddr: field(r, o, P.vaddr, 'p_vaddr', true), paddr: field(r, o, P.paddr, 'p_paddr', true),
      filesz: field(r, o, P.filesz, 'p_filesz'), memsz: field(r, o, P.memsz, 'p_memsz'),
      flags: field(r, o, P.flags, 'p_flags'), align: field(r, o, P.align, 'p_align'),
    });
  }
  return out;
}

function readSections(r: ByteReader, L: ElfLayout, h: ElfHeader): { sections: SectionHeader[]; shstrndx: number } {
  const none = { sections: [], shstrndx: 0 };
  const S = L.shdr;
  if (h.shoff === 0) return none;
  if (h.shentsize < S.size) {
    if (h.shnum === 0) return none;
    throw new ImageError(`section header entry size ${h.shentsize} is smaller than Elf${L.cls}_Shdr (${S.size})`, { offset: L.ehdr.shentsize.at, field: 'e_shentsize' });
  }
  let count = h.shnum;
  let strndx = h.shstrndx;
  // Extended numbering: section 0 holds the real count and string-table index.
  if (count === 0 || strndx === SHN_XINDEX) {
    r.need(h.shoff, S.size, 'section header 0');
    if (count === 0) count = field(r, h.shoff, S.size_, 'sh_size of section 0');
    if (strndx === SHN_XINDEX) strndx = field(r, h.shoff, S.link, 'sh_link of section 0');
  }
  if (count === 0) return none;
  if (h.shoff + count * h.shentsize > r.length) {
    throw new ImageError(
      `section header table (${count} x ${h.shentsize} bytes at ${hex(h.shoff)}) extends past the end of the ${r.length}-byte file`,
      { offset: L.ehdr.shoff.at, field: 'e_shoff/e_shnum' });
  }
  const out: SectionHeader[] = [];
  for (let i = 0; i < count; i++) {
    const o = h.shoff + i * h.shentsize;
    out.push({
      index: i, name: '', nameOffset: field(r, o, S.name, 'sh_name'), type: field(r, o, S.type, 'sh_type'),
      // Only SHF_* bits below 32 are defined for x86; the high half of a 64-bit sh_flags is OS-specific.
      flags: r.u32(o + S.flags.at, 'sh_flags'),
      addr: field(r, o, S.addr, 'sh_addr', true), offset: field(r, o, S.offset, 'sh_offset'), size: field(r, o, S.size_, 'sh_size'),
      link: field(r, o, S.link, 'sh_link'), info: field(r, o, S.info, 'sh_info'),
      addralign: field(r, o, S.addralign, 'sh_addralign'), entsize: field(r, o, S.entsize, 'sh_entsize'),
    });
  }
  if (strndx !== 0) {
    if (strndx >= out.length) {
      throw new ImageError(`section name table index ${strndx} is out of range (${out.length} sections)`, { offset: L.ehdr.shstrndx.at, field: 'e_shstrndx' });
    }
    const strtab = sectionBounds(r, out[strndx], 'section name string table');
    for (const s of out) {
      if (s.nameOffset >= strtab.size) {
        if (s.nameOffset !== 0) throw new ImageError(`section ${s.index} name offset ${hex(s.nameOffset)} is outside the section name table`, { offset: h.shoff + s.index * h.shentsize, field: 'sh_name' });
        continue;
      }
      s.name = r.cstring(strtab.offset + s.nameOffset, strtab.offset + strtab.size, 'sh_name');
    }
  }
  return { sections: out, shstrndx: strndx };
}

/** The file range a section's data occupies, checked to lie inside the file. */
export function sectionBounds(r: ByteReader, s: SectionHeader, what: string): { offset: number; size: number } {
  if (s.type === SHT_NOBITS) return { offset: s.offset, size: 0 };
  if (s.offset + s.size > r.length) {
    throw new ImageError(
      `${what} (section ${s.index} '${s.name}', ${s.size} bytes at ${hex(s.offset)}) extends past the end of the ${r.length}-byte file`,
      { offset: s.offset, field: 'sh_offset/sh_size' });
  }
  return { offset: s.offset, size: s.size };
}

export function sectionData(elf: ElfImage, s: SectionHeader, what: string): Uint8Array {
  const b = sectionBounds(elf.reader, s, what);
  return elf.reader.bytes.subarray(b.offset, b.offset + b.size);
}

/**
 * All entries of every SHT_SYMTAB section (with names from its linked string table). An
 * ELF64 symbol whose value is not exact as a number (not a canonical address) is left out.
 */
export function readSymbols(elf: ElfImage): ElfSymbol[] {
  const r = elf.reader;
  const Y = ELF_LAYOUT[elf.class].sym;
  const out: ElfSymbol[] = [];
  for (const symtab of elf.sections) {
    if (symtab.type !== SHT_SYMTAB) continue;
    const data = sectionBounds(r, symtab, 'symbol table');
    if (symtab.link >= elf.sections.length) {
      throw new ImageError(`symbol table '${symtab.name}' links to string table ${symtab.link}, which does not exist`, { offset: data.offset, field: 'sh_link' });
    }
    const strtab = sectionBounds(r, elf.sections[symtab.link], 'symbol string table');
    const entsize = symtab.entsize >= Y.size ? symtab.entsize : Y.size;
    const count = Math.floor(data.size / entsize);
    for (let i = 1; i < count; i++) { // entry 0 is the reserved null symbol
      const o = data.offset + i * entsize;
      const nameOff = field(r, o, Y.name, 'st_name');
      const info = field(r, o, Y.info, 'st_info');
      let value: number, size: number;
      try {
        value = field(r, o, Y.value, 'st_value', true);
        size = field(r, o, Y.size_, 'st_size');
      } catch (e) {
        if (e instanceof ImageError && elf.class === 64) continue;
        throw e;
      }
      const name = nameOff === 0 || nameOff >= strtab.size ? '' : r.cstring(strtab.offset + nameOff, strtab.offset + strtab.size, 'st_name');
      out.push({ name, value, size, type: info & 0xf, bind: info >> 4, shndx: field(r, o, Y.shndx, 'st_shndx') });
    }
  }
  return out;
}

/** Symbols worth showing in reports: named functions, objects and labels with an address. */
export function addressSymbols(source: ElfImage | readonly ElfSymbol[]): Array<{ name: string; address: number; size: number; absolute?: boolean }> {
  const seen = new Set<string>();
  const out: Array<{ name: string; address: number; size: number; absolute?: boolean }> = [];
  for (const s of Array.isArray(source) ? source : readSymbols(source as ElfImage)) {
    if (s.name === '' || s.type > 2) continue;              // only NOTYPE, OBJECT, FUNC
    if (s.shndx === SHN_UNDEF) continue;
    if (s.shndx >= SHN_LORESERVE && s.shndx !== SHN_ABS) continue; // COMMON and friends have no address
    const key = `${s.name}@${s.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s.shndx === SHN_ABS ? { name: s.name, address: s.value, size: s.size, absolute: true } : { name: s.name, address: s.value, size: s.size });
  }
  out.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** PT_LOAD headers that occupy memory, validated against the file and the 32-bit address space. */
export function loadSegments(elf: ElfImage): ProgramHeader[] {
  const h = elf.header;
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) {
    throw new ImageError(elf.programHeaders.length === 0
      ? 'ELF has no program headers (is it an object file? link it into an executable)'
      : 'ELF has no PT_LOAD segments: nothing to load', { field: 'e_phnum' });
  }
  const out: ProgramHeader[] = [];
  for (const p of loads) {
    const at = { offset: h.phoff + p.index * h.phentsize };
    if (p.filesz > p.memsz) {
      throw new ImageError(`segment ${p.index}: p_filesz ${hex(p.filesz)} is larger than p_memsz ${hex(p.memsz)}`, { ...at, field: 'p_filesz' });
    }
    if (p.filesz > 0 && p.offset + p.filesz > elf.reader.length) {
      throw new ImageError(
        `segment ${p.index}: file data ${hex(p.offset)}..${hex(p.offset + p.filesz)} lies outside the ${elf.reader.length}-byte file`,
        { ...at, field: 'p_offset/p_filesz' });
    }
    if (p.paddr < 0) {
      throw new ImageError(`segment ${p.index}: p_paddr ${hex(p.paddr)} is not a physical address below 4 GiB (a higher-half kernel gives its load address in p_paddr)`, { ...at, field: 'p_paddr' });
    }
    if (p.paddr + p.memsz > 0x100000000) {
      throw new ImageError(`segment ${p.index}: ${hex(p.paddr)} + ${hex(p.memsz)} wraps past 4 GiB`, { ...at, field: 'p_paddr/p_memsz' });
    }
    if (p.memsz > 0) out.push(p);
  }
  if (out.length === 0) throw new ImageError('every PT_LOAD segment is empty (p_memsz 0): nothing to load', { field: 'p_memsz' });
  return out;
}

/**
 * Where execution starts, as a physical address. Like GRUB, an e_entry that falls inside a
 * segment's virtual range is moved by that segment's paddr - vaddr, so higher-half kernels
 * linked with AT() start at their load address.
 */
export function physicalEntry(elf: ElfImage, segments: ProgramHeader[]): number {
  const e = elf.header.entry;
  for (const p of segments) {
    if (e >= p.vaddr && e - p.vaddr < p.memsz) return (e - p.vaddr + p.paddr) >>> 0;
  }
  return e;
}
