// An ELF file's header, section headers and symbol table read through a ByteSource, section
// contents only when asked for: what a separate debug file (Debian's vmlinux: 590 MB, of which
// the DWARF sections needed at a stop are a few MB) needs from the loader, without holding it.

import type { ByteSource } from './byte-source';
import { DwarfError } from './reader';

export interface FileSection { name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number; index: number }
export interface FileSymbol { name: string; value: number; size: number; type: number; bind: number; shndx: number }

const SHT_SYMTAB = 2, SHT_NOBITS = 8;

export class ElfFile {
  readonly class: 32 | 64;
  readonly machine: number;
  readonly type: number;
  readonly entry: number;
  readonly sections: FileSection[];
  private readonly byName = new Map<string, FileSection>();

  constructor(readonly source: ByteSource) {
    const what = source.name;
    if (source.size < 52) throw new DwarfError(`${what}: not an ELF file (${source.size} bytes, shorter than an ELF header)`);
    const id = source.read(0, 64 <= source.size ? 64 : 52);
    if (id[0] !== 0x7f || id[1] !== 0x45 || id[2] !== 0x4c || id[3] !== 0x46) throw new DwarfError(`${what}: not an ELF file (bad magic; expected 7F 45 4C 46)`);
    if (id[4] !== 1 && id[4] !== 2) throw new DwarfError(`${what}: unknown ELF class ${id[4]}`);
    if (id[5] !== 1) throw new DwarfError(`${what}: not a little-endian ELF file`);
    this.class = id[4] === 2 ? 64 : 32;
    const v = new DataView(id.buffer, id.byteOffset, id.length);
    const wide = this.class === 64;
    this.type = v.getUint16(16, true);
    this.machine = v.getUint16(18, true);
    this.entry = wide ? Number(v.getBigInt64(24, true)) : v.getUint32(24, true);
    const shoff = wide ? Number(v.getBigUint64(40, true)) : v.getUint32(32, true);
    const shentsize = v.getUint16(wide ? 58 : 46, true);
    let shnum = v.getUint16(wide ? 60 : 48, true);
    let shstrndx = v.getUint16(wide ? 62 : 50, true);
    const want = wide ? 64 : 40;
    if (shoff === 0) throw new DwarfError(`${what}: has no section headers, so no debug sections`);
    if (shentsize < want) throw new DwarfError(`${what}: section header entries of ${shentsize} bytes (expected ${want})`);
    const first = this.readChecked(shoff, shentsize, 'section header 0');
    const f = new DataView(first.buffer, first.byteOffset, first.length);
    if (shnum === 0) shnum = wide ? Number(f.getBigUint64(32, true)) : f.getUint32(20, true);
    if (shstrndx === 0xffff) shstrndx = f.getUint32(wide ? 40 : 24, true);
    if (shnum > 1_000_000) throw new DwarfError(`${what}: ${shnum} section headers is not believable`);
    const table = this.readChecked(shoff, shnum * shentsize, 'the section header table');
    const t = new DataView(table.buffer, table.byteOffset, table.length);
    const raw: Array<Omit<FileSection, 'name'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      raw.push(wide ? {
        index: i, nameOff: t.getUint32(o, true), type: t.getUint32(o + 4, true), flags: Number(t.getBigUint64(o + 8, true)),
        addr: Number(t.getBigInt64(o + 16, true)), offset: Number(t.getBigUint64(o + 24, true)), size: Number(t.getBigUint64(o + 32, true)),
        link: t.getUint32(o + 40, true), entsize: Number(t.getBigUint64(o + 56, true)),
      } : {
        index: i, nameOff: t.getUint32(o, true), type: t.getUint32(o + 4, true), flags: t.getUint32(o + 8, true),
        addr: t.getUint32(o + 12, true), offset: t.getUint32(o + 16, true), size: t.getUint32(o + 20, true),
        link: t.getUint32(o + 24, true), entsize: t.getUint32(o + 36, true),
      });
    }
    const strs = raw[shstrndx];
    if (!strs) throw new DwarfError(`${what}: the section name table index ${shstrndx} is outside the ${shnum} sections`);
    const names = this.readChecked(strs.offset, strs.size, 'the section name table');
    const dec = new TextDecoder();
    this.sections = raw.map(({ nameOff, ...s }) => {
      let end = nameOff;
      while (end < names.length && names[end] !== 0) end++;
      return { ...s, name: nameOff < names.length ? dec.decode(names.subarray(nameOff, end)) : '' };
    });
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  section(name: string): FileSection | undefined { return this.byName.get(name); }

  /** A section's bytes (read now), or undefined when the file has none or it has no contents. */
  read(name: string): Uint8Array | undefined {
    const s = this.byName.get(name);
    if (!s || s.type === SHT_NOBITS || s.size === 0) return undefined;
    return this.readChecked(s.offset, s.size, `section ${name}`);
  }

  /** `length` bytes of a section from `offset` within it. */
  readIn(s: FileSection, offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > s.size) throw new DwarfError(`${this.source.name}: ${s.name}: bytes ${offset}..${offset + length} are outside its ${s.size} bytes`);
    return this.readChecked(s.offset + offset, length, `section ${s.name}`);
  }

  /** Every entry of the .symtab sections, names from their string tables. */
  symbols(): FileSymbol[] {
    const out: FileSymbol[] = [];
    for (const st of this.sections) {
      if (st.type !== SHT_SYMTAB) continue;
      const strtab = this.sections[st.link];
      if (!strtab) throw new DwarfError(`${this.source.name}: symbol table ${st.name} links to section ${st.link}, which does not exist`);
      const data = this.readChecked(st.offset, st.size, `section ${st.name}`);
      const strs = this.readChecked(strtab.offset, strtab.size, `section ${strtab.name}`);
      const v = new DataView(data.buffer, data.byteOffset, data.length);
      const wide = this.class === 64;
      const ent = Math.max(st.entsize, wide ? 24 : 16);
      const dec = new TextDecoder();
      // One decode of the whole string table when it is ASCII (offsets are then string indexes):
      // a vmlinux's 119,000 names decoded one by one took a quarter of a second.
      const ascii = strs.every((b) => b < 0x80);
      const table = ascii ? dec.decode(strs) : '';
      for (let o = ent; o + ent <= data.length; o += ent) {
        const nameOff = v.getUint32(o, true);
        const info = v.getUint8(wide ? o + 4 : o + 12);
        const shndx = v.getUint16(wide ? o + 6 : o + 14, true);
        const value = wide ? Number(v.getBigInt64(o + 8, true)) : v.getUint32(o + 4, true);
        const size = wide ? v.getUint32(o + 20, true) * 0x100000000 + v.getUint32(o + 16, true) : v.getUint32(o + 8, true);
        if (nameOff === 0 || nameOff >= strs.length) continue;
        let name: string;
        if (ascii) { const end = table.indexOf('\0', nameOff); name = table.slice(nameOff, end < 0 ? table.length : end); }
        else { let end = nameOff; while (end < strs.length && strs[end] !== 0) end++; name = dec.decode(strs.subarray(nameOff, end)); }
        out.push({ name, value, size, type: info & 0xf, bind: info >> 4, shndx });
      }
    }
    return out;
  }

  private readChecked(offset: number, length: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.source.size) {
      throw new DwarfError(`${this.source.name}: ${what} (bytes ${offset}..${offset + length}) extends past the end of the ${this.source.size}-byte file (truncated?)`);
    }
    return this.source.read(offset, length);
  }
}
