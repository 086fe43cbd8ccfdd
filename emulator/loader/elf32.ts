// ELF32 (i386, little-endian) parsing: file header, program headers, section headers and
// the .symtab symbols. Every table is bounds-checked against the file before it is read, so
// a malformed file yields an ImageError naming the field, never a host exception.

import { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const EM_386 = 3;
export const ET_EXEC = 2;

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
const SHN_XINDEX = 0xffff;

export interface Elf32Header {
  type: number; machine: number; version: number; entry: number;
  phoff: number; shoff: number; flags: number; ehsize: number;
  phentsize: number; phnum: number; shentsize: number; shnum: number; shstrndx: number;
}

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

export interface Elf32Image {
  /** ELFCLASS32: the discriminant an ELF64 image will be told apart by. */
  readonly class: 32;
  reader: ByteReader;
  header: Elf32Header;
  programHeaders: ProgramHeader[];
  sections: SectionHeader[];
  /** Index of the section name string table (extended numbering resolved). */
  shstrndx: number;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

const CLASS_NAMES: Record<number, string> = { 0: 'ELFCLASSNONE', 1: 'ELFCLASS32', 2: 'ELFCLASS64' };

export function parseElf32(bytes: Uint8Array): Elf32Image {
  const r = new ByteReader(bytes);
  if (!isElf(bytes)) throw new ImageError('not an ELF file: bad magic (expected 7F 45 4C 46)', { offset: 0, field: 'e_ident[EI_MAG]' });
  r.need(0, EHDR_SIZE, 'ELF header');
  const cls = bytes[4];
  if (cls !== 1) {
    const name = CLASS_NAMES[cls] ?? `unknown class ${cls}`;
    throw new ImageError(`unsupported ELF class ${name}: only 32-bit ELF (ELFCLASS32) can be loaded`, { offset: 4, field: 'e_ident[EI_CLASS]' });
  }
  if (bytes[5] !== 1) {
    throw new ImageError(`unsupported ELF data encoding ${bytes[5]}: only little-endian (ELFDATA2LSB) is valid for x86`, { offset: 5, field: 'e_ident[EI_DATA]' });
  }
  if (bytes[6] !== 1) throw new ImageError(`unsupported ELF ident version ${bytes[6]} (expected 1)`, { offset: 6, field: 'e_ident[EI_VERSION]' });

  const header: Elf32Header = {
    type: r.u16(16, 'e_type'), machine: r.u16(18, 'e_machine'), version: r.u32(20, 'e_version'),
    entry: r.u32(24, 'e_entry'), phoff: r.u32(28, 'e_phoff'), shoff: r.u32(32, 'e_shoff'),
    flags: r.u32(36, 'e_flags'), ehsize: r.u16(40, 'e_ehsize'), phentsize: r.u16(42, 'e_phentsize'),
    phnum: r.u16(44, 'e_phnum'), shentsize: r.u16(46, 'e_shentsize'), shnum: r.u16(48, 'e_shnum'),
    shstrndx: r.u16(50, 'e_shstrndx'),
  };
  if (header.machine !== EM_386) {
    throw new ImageError(`unsupported machine ${header.machine}: only EM_386 (3) images run on this x86-32 emulator`, { offset: 18, field: 'e_machine' });
  }

  const { sections, shstrndx } = readSections(r, header);
  const programHeaders = readProgramHeaders(r, header);
  return { class: 32, reader: r, header, programHeaders, sections, shstrndx };
}

function readProgramHeaders(r: ByteReader, h: Elf32Header): ProgramHeader[] {
  if (h.phnum === 0) return [];
  if (h.phentsize < PHDR_SIZE) {
    throw new ImageError(`program header entry size ${h.phentsize} is smaller than Elf32_Phdr (${PHDR_SIZE})`, { offset: 42, field: 'e_phentsize' });
  }
  const tableSize = h.phnum * h.phentsize;
  if (h.phoff + tableSize > r.length) {
    throw new ImageError(
      `program header table (${h.phnum} x ${h.phentsize} bytes at ${hex(h.phoff)}) extends past the end of the ${r.length}-byte file`,
      { offset: 28, field: 'e_phoff/e_phnum' });
  }
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * h.phentsize;
    out.push({
      index: i, type: r.u32(o, 'p_type'), offset: r.u32(o + 4, 'p_offset'), vaddr: r.u32(o + 8, 'p_vaddr'),
      paddr: r.u32(o + 12, 'p_paddr'), filesz: r.u32(o + 16, 'p_filesz'), memsz: r.u32(o + 20, 'p_memsz'),
      flags: r.u32(o + 24, 'p_flags'), align: r.u32(o + 28, 'p_align'),
    });
  }
  return out;
}

function readSections(r: ByteReader, h: Elf32Header): { sections: SectionHeader[]; shstrndx: number } {
  const none = { sections: [], shstrndx: 0 };
  if (h.shoff === 0) return none;
  if (h.shentsize < SHDR_SIZE) {
    if (h.shnum === 0) return none;
    throw new ImageError(`section header entry size ${h.shentsize} is smaller than Elf32_Shdr (${SHDR_SIZE})`, { offset: 46, field: 'e_shentsize' });
  }
  let count = h.shnum;
  let strndx = h.shstrndx;
  // Extended numbering: section 0 holds the real count and string-table index.
  if (count === 0 || strndx === SHN_XINDEX) {
    r.need(h.shoff, SHDR_SIZE, 'section header 0');
    if (count === 0) count = r.u32(h.shoff + 20, 'sh_size of section 0');
    if (strndx === SHN_XINDEX) strndx = r.u32(h.shoff + 24, 'sh_link of section 0');
  }
  if (count === 0) return none;
  if (h.shoff + count * h.shentsize > r.length) {
    throw new ImageError(
      `section header table (${count} x ${h.shentsize} bytes at ${hex(h.shoff)}) extends past the end of the ${r.length}-byte file`,
      { offset: 32, field: 'e_shoff/e_shnum' });
  }
  const out: SectionHeader[] = [];
  for (let i = 0; i < count; i++) {
    const o = h.shoff + i * h.shentsize;
    out.push({
      index: i, name: '', nameOffset: r.u32(o, 'sh_name'), type: r.u32(o + 4, 'sh_type'), flags: r.u32(o + 8, 'sh_flags'),
      addr: r.u32(o + 12, 'sh_addr'), offset: r.u32(o + 16, 'sh_offset'), size: r.u32(o + 20, 'sh_size'),
      link: r.u32(o + 24, 'sh_link'), info: r.u32(o + 28, 'sh_info'), addralign: r.u32(o + 32, 'sh_addralign'),
      entsize: r.u32(o + 36, 'sh_entsize'),
    });
  }
  if (strndx !== 0) {
    if (strndx >= out.length) {
      throw new ImageError(`section name table index ${strndx} is out of range (${out.length} sections)`, { offset: 50, field: 'e_shstrndx' });
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

export function sectionData(elf: Elf32Image, s: SectionHeader, what: string): Uint8Array {
  const b = sectionBounds(elf.reader, s, what);
  return elf.reader.bytes.subarray(b.offset, b.offset + b.size);
}

/** All entries of every SHT_SYMTAB section (with names from its linked string table). */
export function readSymbols(elf: Elf32Image): ElfSymbol[] {
  const r = elf.reader;
  const out: ElfSymbol[] = [];
  for (const symtab of elf.sections) {
    if (symtab.type !== SHT_SYMTAB) continue;
    const data = sectionBounds(r, symtab, 'symbol table');
    if (symtab.link >= elf.sections.length) {
      throw new ImageError(`symbol table '${symtab.name}' links to string table ${symtab.link}, which does not exist`, { offset: data.offset, field: 'sh_link' });
    }
    const strtab = sectionBounds(r, elf.sections[symtab.link], 'symbol string table');
    const entsize = symtab.entsize >= SYM_SIZE ? symtab.entsize : SYM_SIZE;
    const count = Math.floor(data.size / entsize);
    for (let i = 1; i < count; i++) { // entry 0 is the reserved null symbol
      const o = data.offset + i * entsize;
      const nameOff = r.u32(o, 'st_name');
      const info = r.u8(o + 12, 'st_info');
      const name = nameOff === 0 || nameOff >= strtab.size ? '' : r.cstring(strtab.offset + nameOff, strtab.offset + strtab.size, 'st_name');
      out.push({ name, value: r.u32(o + 4, 'st_value'), size: r.u32(o + 8, 'st_size'), type: info & 0xf, bind: info >> 4, shndx: r.u16(o + 14, 'st_shndx') });
    }
  }
  return out;
}

/** Symbols worth showing in reports: named functions, objects and labels with an address. */
export function addressSymbols(source: Elf32Image | readonly ElfSymbol[]): Array<{ name: string; address: number; size: number; absolute?: boolean }> {
  const seen = new Set<string>();
  const out: Array<{ name: string; address: number; size: number; absolute?: boolean }> = [];
  for (const s of Array.isArray(source) ? source : readSymbols(source as Elf32Image)) {
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
export function loadSegments(elf: Elf32Image): ProgramHeader[] {
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
export function physicalEntry(elf: Elf32Image, segments: ProgramHeader[]): number {
  const e = elf.header.entry;
  for (const p of segments) {
    if (e >= p.vaddr && e - p.vaddr < p.memsz) return (e - p.vaddr + p.paddr) >>> 0;
  }
  return e;
}
