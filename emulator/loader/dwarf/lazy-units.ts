// Compile units loaded when a lookup needs them, for a debug file too large to parse whole
// (Debian's vmlinux: 164 MB of .debug_info in some 2,800 units). An address finds its unit
// through .debug_aranges, a function name through the ELF symbol table's address for it; only
// that unit's bytes are read and parsed, once. Nothing walks all of .debug_info.

import { AT } from './constants';
import { DieReader, parseUnitBytes, resolveUnitBases } from './debug-info';
import type { Die, DwarfSections, Unit } from './debug-info';
import { AT as ATTR, TAG } from './constants';
import type { TypeBuilder, CType } from './types';
import { lineFileNames, unitCompilationDir } from './line-files';
import { Cursor, DwarfError, hex } from './reader';
import { ScopeBuilder } from './scopes';
import type { CallSiteInfo, CallSiteParam, CompileUnit, FunctionInfo, Variable } from './scopes';
import { functionIn, type UnitSource } from './unit-source';

/** Reads part of .debug_info: `length` bytes from `offset` within the section. */
export type InfoReader = (offset: number, length: number) => Uint8Array;

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const x of it) { out.push(x); if (out.length >= n) break; }
  return out;
}

/** Units read for one name with no symbol (an inline function used everywhere would otherwise read them all). */
export const MAX_NAME_UNITS = 64;
/**
 * Parsed units kept (least recently used dropped first): a vmlinux unit is about 4 MiB parsed,
 * so this bounds them near 400 MiB however many lookups a session makes.
 */
export const MAX_LOADED_UNITS = 96;

interface Loaded {
  cu: CompileUnit | null; functions: FunctionInfo[]; sites: Map<number, CallSiteParam[]>; calls: Map<number, CallSiteInfo>;
  /** The unit's DIEs and the type builder its variables' types came from (for types by name). */
  dies?: Map<number, Die>; types?: TypeBuilder; reader?: DieReader;
}

/** An address range of one unit's code, from .debug_aranges. */
interface ArangeEntry { start: number; end: number; unit: number }

/** Parses .debug_aranges into entries sorted by start. */
export function readAranges(sec: Uint8Array): ArangeEntry[] {
  const out: ArangeEntry[] = [];
  const c = new Cursor(sec, 0, sec.length, '.debug_aranges');
  while (c.pos + 4 <= sec.length) {
    const setStart = c.pos;
    const { end, is64 } = c.unitLength();
    const u = new Cursor(sec, c.pos, end, '.debug_aranges');
    const version = u.u16();
    if (version !== 2) throw new DwarfError(`.debug_aranges: set at ${hex(setStart)} has version ${version} (expected 2)`);
    const unit = u.offset(is64);
    const addrSize = u.u8();
    const segSize = u.u8();
    if (addrSize !== 4 && addrSize !== 8) throw new DwarfError(`.debug_aranges: set at ${hex(setStart)} has address size ${addrSize}`);
    // Tuples start at a multiple of twice the address size from the set's start.
    const tuple = addrSize * 2 + segSize;
    const rel = u.pos - setStart;
    u.pos = setStart + Math.ceil(rel / (addrSize * 2)) * (addrSize * 2);
    while (u.pos + tuple <= end) {
      if (segSize) u.skip(segSize);
      const start = u.addr(addrSize);
      const length = addrSize === 8 ? u.u64() : u.u32();
      if (start === 0 && length === 0) break;
      if (length > 0) out.push({ start, end: start + length, unit });
    }
    c.pos = end;
  }
  return out.sort((a, b) => a.start - b.start);
}

export class LazyUnits implements UnitSource {
  private readonly cache = new Map<number, Loaded>();
  private readonly roots = new Map<number, Unit | null>();
  private aranges: ArangeEntry[];
  /** Problems met while loading units (a broken unit loses its own information only). */
  readonly warnings: string[] = [];

  /**
   * `readInfo`: bytes of .debug_info by range; `infoSize` its length. `addressesOf`: where the
   * ELF symbol table puts a name (functions first), to find the unit defining it.
   */
  /**
   * `findBytes`: the .debug_info offsets where a byte pattern occurs in the file as linked (how a
   * global is found: its DW_OP_addr operand is its symbol's address); `toLink`: an address of the
   * running kernel as the file has it (before a KASLR move).
   */
  constructor(private readonly s: DwarfSections, aranges: Uint8Array | undefined, private readonly readInfo: InfoReader,
    private readonly infoSize: number, private readonly addressesOf: (name: string) => number[],
    private readonly findBytes?: (pattern: Uint8Array) => number[], private readonly toLink: (a: number) => number = (a) => a) {
    this.aranges = aranges ? readAranges(aranges) : [];
  }

  private unitStarts: number[] | null = null;

  /** Every unit's .debug_info offset, from the unit headers' lengths alone. */
  unitOffsets(): number[] {
    if (this.unitStarts) return this.unitStarts;
    const out: number[] = [];
    for (let off = 0; off + 4 <= this.infoSize && out.length < 10_000_000;) {
      out.push(off);
      const head = this.readInfo(off, Math.min(12, this.infoSize - off));
      const c = new Cursor(head, 0, head.length, '.debug_info');
      let len = c.u32();
      if (len === 0xffffffff) len = c.u64(); else if (len >= 0xfffffff0) break;
      off += c.pos + len;
    }
    return (this.unitStarts = out);
  }

  /** The unit holding a .debug_info offset. */
  unitOffsetHolding(offset: number): number | undefined {
    const u = this.unitOffsets();
    let lo = 0, hi = u.length - 1, best = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (u[mid]! <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1; }
    return best < 0 ? undefined : u[best];
  }

  private readonly globalsFound = new Map<string, Variable | undefined>();

  /** The .debug_info offset of the unit whose code holds `pc` (undefined: no unit says so). */
  unitOffsetAt(pc: number): number | undefined {
    const r = this.aranges;
    let lo = 0, hi = r.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.start <= pc) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Ranges of different units do not overlap, but a unit's may nest in a wide one; look back a little.
    for (let i = best; i >= 0 && best - i < 8; i--) if (pc >= r[i]!.start && pc < r[i]!.end) return r[i]!.unit;
    return undefined;
  }

  /** Count of the address ranges .debug_aranges gives. */
  get rangeCount(): number { return this.aranges.length; }

  /** The unit's root DIE alone (name, compilation directory, line program offset), read without its children. */
  root(offset: number): Unit | null {
    if (this.roots.has(offset)) return this.roots.get(offset)!;
    let unit: Unit | null = null;
    try {
      const bytes = this.readInfo(offset, Math.min(4096, this.infoSize - offset));
      unit = parseUnitBytes(this.s, bytes, offset, true).unit;
      resolveUnitBases([unit], new DieReader(this.s, new Map()));
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.warnings.push(`unit at ${hex(offset)}: ${e.message}`);
    }
    this.roots.set(offset, unit);
    return unit;
  }

  /** The line program of the unit holding pc: its .debug_line offset and compilation directory. */
  lineProgramAt(pc: number): { offset: number; compDir: string } | undefined {
    const off = this.unitOffsetAt(pc);
    if (off === undefined) return undefined;
    return this.lineProgramOf(off);
  }

  lineProgramOf(unitOffset: number): { offset: number; compDir: string } | undefined {
    const u = this.root(unitOffset);
    if (!u?.root) return undefined;
    const r = new DieReader(this.s, new Map());
    const stmt = r.num(u.root, AT.stmt_list);
    return stmt === undefined ? undefined : { offset: stmt, compDir: unitCompilationDir(r, u.root) };
  }

  /** Parses the whole unit at `offset` (once). */
  load(offset: number): Loaded {
    const hit = this.cache.get(offset);
    if (hit) {
      // Most recently used last: the oldest go first when the cache is full.
      this.cache.delete(offset);
      this.cache.set(offset, hit);
      return hit;
    }
    if (this.cache.size >= MAX_LOADED_UNITS) this.cache.delete(this.cache.keys().next().value!);
    const out: Loaded = { cu: null, functions: [], sites: new Map(), calls: new Map() };
    try {
      const head = this.readInfo(offset, Math.min(12, this.infoSize - offset));
      const hc = new Cursor(head, 0, head.length, '.debug_info');
      const { end } = (() => { let len = hc.u32(); if (len === 0xffffffff) len = hc.u64(); return { end: hc.pos + len }; })();
      if (offset + end > this.infoSize) throw new DwarfError(`.debug_info: unit at ${hex(offset)} runs past the section end`);
      const { unit, byOffset } = parseUnitBytes(this.s, this.readInfo(offset, end), offset);
      const reader = new DieReader(this.s, byOffset);
      resolveUnitBases([unit], reader);
      const files = (): string[] => {
        const stmt = unit.root ? reader.num(unit.root, AT.stmt_list) : undefined;
        if (!unit.root || stmt === undefined || !this.s.line) return [];
        try { return lineFileNames(this.s.line, stmt, unitCompilationDir(reader, unit.root), this.s.str, this.s.lineStr); } catch (e) {
          this.warnings.push(`line table header at ${hex(stmt)}: ${(e as Error).message}`);
          return [];
        }
      };
      let fileList: string[] | undefined;
      const sb = new ScopeBuilder(reader, () => (fileList ??= files()));
      out.cu = sb.compileUnit(unit);
      out.functions = (out.cu?.functions ?? []).slice().sort((a, b) => a.lowPc - b.lowPc);
      out.sites = sb.callSites;
      out.calls = sb.calls;
      out.dies = byOffset; out.types = sb.types; out.reader = reader;
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.warnings.push(`unit at ${hex(offset)}: ${e.message}`);
    }
    this.cache.set(offset, out);
    return out;
  }

  functionAt(pc: number): FunctionInfo | null {
    const off = this.unitOffsetAt(pc);
    return off === undefined ? null : functionIn(this.load(off).functions, pc);
  }

  /**
   * Functions that are `name` or hold inlined instances of it: the units holding its symbol's
   * addresses; for a function with no symbol (only ever inlined) the units whose DIEs name it
   * (nameUnits: a search for its .debug_str offset), at most MAX_NAME_UNITS of them.
   */
  functionsFor(name: string): readonly FunctionInfo[] {
    const units = new Set<number>();
    for (const a of this.addressesOf(name)) { const u = this.unitOffsetAt(a); if (u !== undefined) units.add(u); }
    if (units.size === 0 && (this.functionUnits || this.nameUnits)) {
      let found = this.namedIn.get(name);
      if (!found) {
        // The name index when it is ready; else the byte search (seconds over a vmlinux).
        found = take(this.functionUnits?.(name) ?? this.nameUnits!(name), MAX_NAME_UNITS);
        this.namedIn.set(name, found);
      }
      for (const u of found) units.add(u);
    }
    return [...units].flatMap((u) => this.load(u).functions);
  }

  /**
   * A type by its C spelling (`struct task_struct`, `union X`, `enum Y`, a typedef or base type
   * name): its complete definition from a unit already read, else from the units naming it.
   */
  typeNamed(spelled: string): CType | undefined {
    const m = /^\s*(?:(struct|union|enum)\s+)?([A-Za-z_]\w*)\s*$/.exec(spelled);
    if (!m) return undefined;
    const tags: number[] = m[1] === 'struct' ? [TAG.structure_type] : m[1] === 'union' ? [TAG.union_type] : m[1] === 'enum' ? [TAG.enumeration_type] : [TAG.typedef, TAG.base_type];
    const name = m[2]!;
    const inUnit = (l: Loaded): CType | undefined => {
      if (!l.dies || !l.types || !l.reader) return undefined;
      for (const d of l.dies.values()) {
        if (!tags.includes(d.tag) || l.reader.flag(d, ATTR.declaration)) continue;
        if (l.reader.str(d, ATTR.name) === name) return l.types.build(d);
      }
      return undefined;
    };
    for (const l of this.cache.values()) { const t = inUnit(l); if (t) return t; }
    const key = `${m[1] ?? ''} ${name}`;
    if (this.typesFound.has(key)) return this.typesFound.get(key);
    let found: CType | undefined;
    if (this.nameUnits) {
      // In file order, only as far as the first unit with the definition (task_struct is named by nearly all of them).
      let n = 0;
      for (const u of this.nameUnits(name)) {
        found = inUnit(this.load(u));
        if (found || ++n >= MAX_NAME_UNITS) break;
      }
    }
    this.typesFound.set(key, found);
    return found;
  }

  /** Units whose DIEs name a string (set by the owner: it knows .debug_str). */
  nameUnits: ((name: string) => Iterable<number>) | null = null;
  /** Units defining a function by name (name-index.ts), once the owner has the index. */
  functionUnits: ((name: string) => number[]) | null = null;
  private readonly namedIn = new Map<string, number[]>();
  private readonly typesFound = new Map<string, CType | undefined>();

  allFunctions(): readonly FunctionInfo[] {
    return [...this.cache.values()].flatMap((l) => l.functions).sort((a, b) => a.lowPc - b.lowPc);
  }

  globals(): Variable[] { return [...this.cache.values()].flatMap((l) => l.cu?.globals ?? []); }

  /**
   * A global by name: from a unit already read, else from the unit whose DIEs hold
   * `DW_OP_addr <its symbol's address>` (a byte search of .debug_info, once per name).
   */
  globalNamed(name: string): Variable | undefined {
    for (const l of this.cache.values()) for (const g of l.cu?.globals ?? []) if (g.name === name) return g;
    if (this.globalsFound.has(name)) return this.globalsFound.get(name);
    let found: Variable | undefined;
    if (this.findBytes) {
      for (const a of this.addressesOf(name)) {
        const link = BigInt.asUintN(64, BigInt(this.toLink(a)));
        const pattern = new Uint8Array(9);
        pattern[0] = 0x03;   // DW_OP_addr
        for (let i = 0; i < 8; i++) pattern[1 + i] = Number((link >> BigInt(8 * i)) & 0xffn);
        for (const at of this.findBytes(pattern)) {
          const u = this.unitOffsetHolding(at);
          if (u === undefined) continue;
          found = this.load(u).cu?.globals.find((g) => g.name === name);
          if (found) break;
        }
        if (found) break;
      }
    }
    this.globalsFound.set(name, found);
    return found;
  }

  callSites(ret: number): CallSiteParam[] | undefined {
    const off = this.unitOffsetAt(ret);
    return off === undefined ? undefined : this.load(off).sites.get(ret);
  }

  callAt(ret: number): CallSiteInfo | undefined {
    const off = this.unitOffsetAt(ret - 1);
    return off === undefined ? undefined : this.load(off).calls.get(ret);
  }

  loadedUnits(): CompileUnit[] { return [...this.cache.values()].flatMap((l) => (l.cu ? [l.cu] : [])); }

  /** Forgets every parsed unit and takes new address ranges (the sections were relocated: KASLR). */
  reset(aranges: Uint8Array | undefined): void {
    this.cache.clear(); this.roots.clear(); this.globalsFound.clear(); this.typesFound.clear();
    this.aranges = aranges ? readAranges(aranges) : [];
  }
}
