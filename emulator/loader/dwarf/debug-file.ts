// A separate debug file (Debian's vmlinux-* from linux-image-*-dbg: hundreds of MB of DWARF 5)
// opened for the debugger without reading it whole: the section headers and the symbol table
// at once; the small DWARF sections when first used; .debug_info one unit at a time, as
// lookups ask (lazy-units.ts); line programs one unit at a time (lazy-lines.ts).

import { archForMachine } from './arch';
import type { ByteSource } from './byte-source';
import { FrameTable, parseFrameSection, type Fde } from './cfi';
import type { DwarfSections } from './debug-info';
import { ElfFile, type FileSymbol } from './elf-file';
import { DebugInfo } from './index';
import { LazyLineRows } from './lazy-lines';
import { LazyUnits } from './lazy-units';
import { LineTable } from './line-table';
import { DwarfError } from './reader';

/** Sections read whole when first used, by DwarfSections' key. .debug_info is read by ranges. */
const WHOLE: Array<[keyof DwarfSections, string]> = [
  ['abbrev', '.debug_abbrev'], ['str', '.debug_str'], ['lineStr', '.debug_line_str'], ['strOffsets', '.debug_str_offsets'],
  ['addr', '.debug_addr'], ['ranges', '.debug_ranges'], ['rnglists', '.debug_rnglists'], ['loc', '.debug_loc'],
  ['loclists', '.debug_loclists'], ['line', '.debug_line'],
];

const EM_386 = 3, EM_X86_64 = 62;

export interface DebugFileSymbol { name: string; address: number; size: number; absolute?: boolean }

export class DebugFile {
  readonly elf: ElfFile;
  readonly dwarf: DebugInfo;
  readonly lines: LineTable;
  readonly units: LazyUnits;
  /** Named functions, objects and labels of .symtab, sorted by address (what SymbolTable takes). */
  readonly symbols: DebugFileSymbol[];
  private readonly byName = new Map<string, number[]>();
  private readonly loaded = new Map<string, Uint8Array | undefined>();

  /** Throws a DwarfError saying what is wrong when the file is not a usable debug file. */
  constructor(source: ByteSource) {
    const elf = this.elf = new ElfFile(source);
    if (elf.machine !== EM_X86_64 && elf.machine !== EM_386) throw new DwarfError(`${source.name}: an ELF file for machine ${elf.machine}, not x86 (EM_386 or EM_X86_64)`);
    const info = elf.section('.debug_info');
    if (!info || info.type === 8 || info.size === 0) {
      throw new DwarfError(`${source.name}: has no .debug_info section: not a debug file (a stripped kernel? Debian's debug vmlinux is in linux-image-*-dbg, under /usr/lib/debug/boot)`);
    }
    if (info.offset + info.size > source.size) throw new DwarfError(`${source.name}: .debug_info extends past the end of the ${source.size}-byte file (truncated?)`);
    const s: DwarfSections = {};
    for (const [key, name] of WHOLE) {
      Object.defineProperty(s, key, { enumerable: true, get: () => this.section(name) });
    }
    const syms = elf.symbols();
    this.symbols = addressSymbols(syms);
    for (const sym of syms) {
      if (sym.name === '' || sym.shndx === 0) continue;
      const list = this.byName.get(sym.name);
      // Functions first: they are what a name breakpoint wants.
      if (!list) this.byName.set(sym.name, [sym.value]);
      else if (sym.type === 2) list.unshift(sym.value); else list.push(sym.value);
    }
    this.units = new LazyUnits(s, elf.read('.debug_aranges'), (off, len) => elf.readIn(info, off, len), info.size, (n) => this.byName.get(n) ?? []);
    const arch = archForMachine(elf.machine);
    // Call frame information is small (2.5 MB for a vmlinux) and wanted at every stop: read it whole.
    const warnings: string[] = [];
    const fdes: Fde[] = [];
    const frame = elf.read('.debug_frame');
    if (frame) { try { fdes.push(...parseFrameSection(frame, false, 0, arch.addrSize)); } catch (e) { warnings.push(`.debug_frame: ${(e as Error).message}`); } }
    const eh = elf.section('.eh_frame');
    const ehBytes = elf.read('.eh_frame');
    if (eh && ehBytes) { try { fdes.push(...parseFrameSection(ehBytes, true, eh.addr, arch.addrSize)); } catch (e) { warnings.push(`.eh_frame: ${(e as Error).message}`); } }
    this.dwarf = new DebugInfo(s, this.units, new FrameTable(fdes), warnings, arch);
    this.dwarf.entry = elf.entry;
    this.lines = new LineTable(new LazyLineRows(s.line, { str: s.str, lineStr: s.lineStr }, this.units));
  }

  /** The [start, end) ranges the kernel's allocated sections occupy (where a symbol may name an address). */
  loadedRanges(): Array<[number, number]> {
    return this.elf.sections.filter((x) => (x.flags & 0x2) !== 0 && x.size > 0).map((x): [number, number] => [x.addr, x.addr + x.size]);
  }

  /** Addresses the symbol table gives `name` (functions first). */
  addressesOf(name: string): number[] { return this.byName.get(name) ?? []; }

  private section(name: string): Uint8Array | undefined {
    if (!this.loaded.has(name)) this.loaded.set(name, this.elf.read(name));
    return this.loaded.get(name);
  }
}

/** As the loader's addressSymbols: named NOTYPE, OBJECT and FUNC symbols with an address, sorted. */
function addressSymbols(syms: FileSymbol[]): DebugFileSymbol[] {
  const seen = new Set<string>();
  const out: DebugFileSymbol[] = [];
  for (const s of syms) {
    if (s.type > 2 || s.shndx === 0 || (s.shndx >= 0xff00 && s.shndx !== 0xfff1)) continue;
    const key = `${s.name}@${s.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s.shndx === 0xfff1 ? { name: s.name, address: s.value, size: s.size, absolute: true } : { name: s.name, address: s.value, size: s.size });
  }
  return out.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
