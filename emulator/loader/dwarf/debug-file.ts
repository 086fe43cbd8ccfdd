// A separate debug file (Debian's vmlinux-* from linux-image-*-dbg: hundreds of MB of DWARF 5)
// opened for the debugger without reading it whole: the section headers and the symbol table
// at once; the small DWARF sections when first used; .debug_info one unit at a time, as
// lookups ask (lazy-units.ts); line programs one unit at a time (lazy-lines.ts).

import { archForMachine } from './arch';
import type { ByteSource } from './byte-source';
import { FrameTable, parseFrameSection, type Fde } from './cfi';
import type { DwarfSections } from './debug-info';
import { ElfFile, type FileSection, type FileSymbol } from './elf-file';
import { DebugInfo } from './index';
import { LazyLineRows } from './lazy-lines';
import { LazyUnits } from './lazy-units';
import { LineTable } from './line-table';
import { buildNameIndex, type NameIndex } from './name-index';
import { DwarfError, hex } from './reader';
import { applyRelocations, moveKernelAddress } from './relocate';

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
  private readonly lineRows: LazyLineRows;
  /** Named functions, objects and labels of .symtab, sorted by address (what SymbolTable takes). */
  readonly symbols: DebugFileSymbol[];
  private readonly byName = new Map<string, number[]>();
  private readonly loaded = new Map<string, Uint8Array | undefined>();
  /** How far the running kernel is from its link addresses (KASLR); 0 until relocate(). */
  delta = 0;
  private readonly ranges: Array<[number, number]>;
  private readonly frameSections: () => Fde[];

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
      if (sym.shndx === 0 || sym.type > 2) continue;
      const list = this.byName.get(sym.name);
      // Functions first: they are what a name breakpoint wants.
      if (!list) this.byName.set(sym.name, [sym.value]);
      else if (sym.type === 2) list.unshift(sym.value); else list.push(sym.value);
    }
    const infoRela = elf.section('.rela.debug_info');
    const readInfo = (off: number, len: number): Uint8Array => {
      const bytes = elf.readIn(info, off, len);
      applyRelocations(elf, infoRela, bytes, off, this.delta);
      return bytes;
    };
    this.units = new LazyUnits(s, this.section('.debug_aranges'), readInfo, info.size, (n) => this.byName.get(n) ?? [],
      (pattern) => [...findInSection(elf, info, pattern)], (a) => moveKernelAddress(a, -this.delta));
    const units = this.units;
    // A name without a symbol (a function only ever inlined): the units whose DIEs point at its
    // string. .debug_str is merged (one copy of each string, tails shared), so a DW_FORM_strp
    // naming it holds one of the few offsets where the name ends a string.
    this.units.nameUnits = function* (name) {
      const str = s.str;
      if (!str || name === '') return;
      const want = new TextEncoder().encode(name + '\0');
      const seen = new Set<number>();
      for (let at = str.indexOf(want[0]!); at >= 0; at = str.indexOf(want[0]!, at + 1)) {
        let j = 0;
        while (j < want.length && str[at + j] === want[j]) j++;
        if (j !== want.length) continue;
        const le = new Uint8Array([at & 0xff, (at >>> 8) & 0xff, (at >>> 16) & 0xff, (at >>> 24) & 0xff]);
        for (const off of findInSection(elf, info, le)) {
          const u = units.unitOffsetHolding(off);
          if (u !== undefined && !seen.has(u)) { seen.add(u); yield u; }
        }
      }
    };
    const arch = archForMachine(elf.machine);
    // Call frame information is small (2.5 MB for a vmlinux) and wanted at every stop: read it whole.
    const warnings: string[] = [];
    this.frameSections = () => {
      const fdes: Fde[] = [];
      const frame = this.section('.debug_frame');
      if (frame) { try { fdes.push(...parseFrameSection(frame, false, 0, arch.addrSize)); } catch (e) { warnings.push(`.debug_frame: ${(e as Error).message}`); } }
      const eh = elf.section('.eh_frame');
      const ehBytes = this.section('.eh_frame');
      if (eh && ehBytes) { try { fdes.push(...parseFrameSection(ehBytes, true, moveKernelAddress(eh.addr, this.delta), arch.addrSize)); } catch (e) { warnings.push(`.eh_frame: ${(e as Error).message}`); } }
      return fdes;
    };
    this.ranges = elf.sections.filter((x) => (x.flags & 0x2) !== 0 && x.size > 0).map((x): [number, number] => [x.addr, x.addr + x.size]);
    this.dwarf = new DebugInfo(s, this.units, new FrameTable(this.frameSections), warnings, arch);
    this.dwarf.entry = elf.entry;
    this.lineRows = new LazyLineRows(() => s.line, { str: s.str, lineStr: s.lineStr }, this.units);
    this.lines = new LineTable(this.lineRows);
  }

  /**
   * The [start, end) ranges the kernel's allocated sections occupy (where a symbol may name an
   * address): one array, moved in place by relocate().
   */
  loadedRanges(): Array<[number, number]> { return this.ranges; }

  /**
   * The kernel runs `delta` bytes from its link addresses (KASLR): every address the file gives
   * moves by it from now on. Parsed units and line programs are dropped and read again; the
   * symbol objects (shared with the caller's symbol table) and loadedRanges() move in place.
   */
  relocate(delta: number): void {
    const step = delta - this.delta;
    if (step === 0) return;
    this.delta = delta;
    this.loaded.clear();
    for (const s of this.symbols) if (!s.absolute) s.address = moveKernelAddress(s.address, step);
    for (const list of this.byName.values()) for (let i = 0; i < list.length; i++) list[i] = moveKernelAddress(list[i]!, step);
    for (const r of this.ranges) { r[0] = moveKernelAddress(r[0], step); r[1] = moveKernelAddress(r[1] - 1, step) + 1; }
    this.units.reset(this.section('.debug_aranges'));
    this.dwarf.frames.reset(this.frameSections);
    if (this.dwarf.entry !== undefined) this.dwarf.entry = moveKernelAddress(this.dwarf.entry, step);
    this.lineRows.clear();
  }

  /** What relocate() did, for the Debug Console. */
  describeOffset(): string { return this.delta === 0 ? 'at its link addresses' : `moved by ${this.delta < 0 ? '-' : ''}${hex(Math.abs(this.delta))} from its link addresses`; }

  /**
   * The GNU build id (NT_GNU_BUILD_ID in a note section), which names this build of the file
   * for caches beside it; null when it has none.
   */
  buildId(): Uint8Array | null {
    for (const sec of this.elf.sections) {
      if (sec.type !== 7 || sec.size === 0 || sec.size > 1 << 20) continue;   // SHT_NOTE
      const b = this.elf.readIn(sec, 0, sec.size);
      const v = new DataView(b.buffer, b.byteOffset, b.length);
      for (let p = 0; p + 12 <= b.length;) {
        const namesz = v.getUint32(p, true), descsz = v.getUint32(p + 4, true), type = v.getUint32(p + 8, true);
        const name = p + 12, desc = name + Math.ceil(namesz / 4) * 4, next = desc + Math.ceil(descsz / 4) * 4;
        if (next > b.length) break;
        if (type === 3 && namesz === 4 && b[name] === 0x47 && b[name + 1] === 0x4e && b[name + 2] === 0x55 && descsz > 0) return b.slice(desc, desc + descsz);
        p = next;
      }
    }
    return null;
  }

  /** Builds the function name index (one pass over .debug_info: seconds for a vmlinux). */
  buildNameIndex(): NameIndex {
    const info = this.elf.section('.debug_info')!;
    const abbrev = this.elf.read('.debug_abbrev');
    if (!abbrev) throw new DwarfError(`${this.elf.source.name}: has no .debug_abbrev section`);
    return buildNameIndex((off, len) => this.elf.readIn(info, off, len), info.size, abbrev, this.elf.read('.debug_str'), this.elf.read('.debug_str_offsets'));
  }

  /** Function names find their units through `index` from now on (see LazyUnits.functionsFor). */
  useNameIndex(index: NameIndex): void {
    this.units.functionUnits = (name) => index.unitsNaming(name);
  }

  /** Addresses the symbol table gives `name` (functions first). */
  addressesOf(name: string): number[] { return this.byName.get(name) ?? []; }

  private section(name: string): Uint8Array | undefined {
    if (!this.loaded.has(name)) {
      const bytes = this.elf.read(name);
      if (bytes) applyRelocations(this.elf, this.elf.section(`.rela${name}`), bytes, 0, this.delta);
      this.loaded.set(name, bytes);
    }
    return this.loaded.get(name);
  }
}

/** Offsets in a section where `pattern` occurs, in order (read as linked, in 8 MiB windows, as far as the caller goes). */
function* findInSection(elf: ElfFile, sec: FileSection, pattern: Uint8Array): Generator<number> {
  const WINDOW = 8 << 20;
  const n = pattern.length;
  // Scan for the second byte (an address's low byte: rarer than DW_OP_addr's 0x03), then compare.
  const key = n > 1 ? 1 : 0;
  for (let base = 0; base < sec.size; base += WINDOW) {
    const len = Math.min(WINDOW + n - 1, sec.size - base);
    const w = elf.readIn(sec, base, len);
    for (let i = w.indexOf(pattern[key]!, key); i >= 0 && i - key + n <= len; i = w.indexOf(pattern[key]!, i + 1)) {
      const start = i - key;
      let j = 0;
      while (j < n && w[start + j] === pattern[j]) j++;
      if (j === n && start < WINDOW) yield base + start;
    }
  }
}

/** As the loader's addressSymbols: named NOTYPE, OBJECT and FUNC symbols with an address, sorted. */
function addressSymbols(syms: FileSymbol[]): DebugFileSymbol[] {
  const out: DebugFileSymbol[] = [];
  for (const s of syms) {
    if (s.type > 2 || s.shndx === 0 || (s.shndx >= 0xff00 && s.shndx !== 0xfff1)) continue;
    out.push(s.shndx === 0xfff1 ? { name: s.name, address: s.value, size: s.size, absolute: true } : { name: s.name, address: s.value, size: s.size });
  }
  out.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The same name at the same address twice (a symbol in two tables) is one symbol.
  let w = 0;
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!, prev = w > 0 ? out[w - 1]! : undefined;
    if (prev && prev.address === s.address && prev.name === s.name) continue;
    out[w++] = s;
  }
  out.length = w;
  return out;
}
