// .debug_info/.debug_abbrev parsing for DWARF versions 2 to 5, with the side sections that
// attribute forms refer to (.debug_str, .debug_line_str, .debug_str_offsets, .debug_addr,
// .debug_ranges, .debug_rnglists). Produces a tree of DIEs per unit; attribute values stay
// raw (form + number/bytes) and are interpreted by the accessors below, because indexed forms
// (strx, addrx, rnglistx, loclistx) depend on base attributes that may come later in the DIE.

import { AT, FORM, TAG } from './constants';
import { Cursor, DwarfError, hex, stringAt } from './reader';

export interface DwarfSections {
  info?: Uint8Array; abbrev?: Uint8Array; str?: Uint8Array; lineStr?: Uint8Array;
  strOffsets?: Uint8Array; addr?: Uint8Array; ranges?: Uint8Array; rnglists?: Uint8Array;
  loc?: Uint8Array; loclists?: Uint8Array; frame?: Uint8Array; ehFrame?: Uint8Array;
  /** Load address of .eh_frame, for its PC-relative pointers. */
  ehFrameAddr?: number;
  line?: Uint8Array;
  /** DWARF 4 type units (-fdebug-types-section). */
  types?: Uint8Array;
}

/** DIE offsets in .debug_types are moved up by this much so they cannot collide with .debug_info's. */
export const TYPES_SECTION_BASE = 2 ** 40;

export interface Attr {
  at: number;
  form: number;
  /** Numbers for constants, addresses, offsets and indexes; bytes for blocks and exprlocs; text for inline strings. */
  value: number | Uint8Array | string;
}

export interface Die {
  offset: number;
  tag: number;
  attrs: Attr[];
  children: Die[];
  parent: Die | null;
  unit: Unit;
}

export interface Unit {
  offset: number;
  version: number;
  unitType: number;
  addrSize: number;
  is64: boolean;
  root: Die | null;
  /** Base attributes of the unit DIE (DWARF 5 indexed forms). */
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** The unit's base address (DW_AT_low_pc of its root) for range and location lists. */
  baseAddress: number;
  /** Type units: the 8-byte signature (hex) and the section offset of the type DIE. */
  typeSignature?: string;
  typeOffset?: number;
}

interface AbbrevEntry { code: number; tag: number; hasChildren: boolean; specs: Array<{ at: number; form: number; implicit: number }> }

const MAX_DEPTH = 512;
const MAX_DIES = 4_000_000;

function readAbbrevTable(sec: Uint8Array | undefined, offset: number): Map<number, AbbrevEntry> {
  if (!sec) throw new DwarfError('.debug_abbrev is missing');
  if (offset >= sec.length) throw new DwarfError(`.debug_abbrev: table offset ${hex(offset)} is outside the ${sec.length}-byte section`);
  const c = new Cursor(sec, offset, sec.length, '.debug_abbrev');
  const table = new Map<number, AbbrevEntry>();
  for (;;) {
    const code = c.uleb();
    if (code === 0) break;
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const specs: AbbrevEntry['specs'] = [];
    for (;;) {
      const at = c.uleb();
      const form = c.uleb();
      if (at === 0 && form === 0) break;
      const implicit = form === FORM.implicit_const ? c.sleb() : 0;
      specs.push({ at, form, implicit });
    }
    if (table.has(code)) throw new DwarfError(`.debug_abbrev: duplicate abbreviation code ${code} in the table at ${hex(offset)}`);
    table.set(code, { code, tag, hasChildren, specs });
  }
  return table;
}

function readValue(c: Cursor, form: number, unit: Unit, implicit: number, depth = 0): number | Uint8Array | string {
  switch (form) {
    case FORM.addr: return c.addr(unit.addrSize);
    case FORM.block2: return c.bytes(c.u16());
    case FORM.block4: return c.bytes(c.u32());
    case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: return c.u8();
    case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: return c.u16();
    case FORM.strx3: case FORM.addrx3: return c.u24();
    case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: return c.u32();
    case FORM.ref_sig8: return c.bytes(8);
    case FORM.data8: case FORM.ref8: case FORM.ref_sup8: return c.u64();
    case FORM.data16: return c.bytes(16);
    case FORM.string: return c.cstr();
    case FORM.block: case FORM.exprloc: return c.bytes(c.uleb());
    case FORM.block1: return c.bytes(c.u8());
    case FORM.sdata: return c.sleb();
    case FORM.udata: case FORM.ref_udata: case FORM.strx: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
    case FORM.GNU_addr_index: case FORM.GNU_str_index:
      return c.uleb();
    case FORM.strp: case FORM.line_strp: case FORM.sec_offset: case FORM.strp_sup:
    case FORM.GNU_ref_alt: case FORM.GNU_strp_alt:
      return c.offset(unit.is64);
    case FORM.ref_addr: return unit.version <= 2 ? c.addr(unit.addrSize) : c.offset(unit.is64);
    case FORM.flag_present: return 1;
    case FORM.implicit_const: return implicit;
    case FORM.indirect: {
      if (depth > 4) throw new DwarfError(`.debug_info: DW_FORM_indirect chain too deep at ${hex(c.pos)}`);
      return readValue(c, c.uleb(), unit, implicit, depth + 1);
    }
    default: throw new DwarfError(`.debug_info: unknown attribute form ${hex(form)} at ${hex(c.pos)}`);
  }
}

function isRefForm(form: number): boolean {
  return form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4 || form === FORM.ref8 || form === FORM.ref_udata;
}

/**
 * Every unit in .debug_info with its DIE tree. With `warnings`, a unit that fails to parse is
 * reported there and skipped (when its length is readable); without, the first error throws.
 */
export function parseUnits(s: DwarfSections, warnings?: string[]): { units: Unit[]; byOffset: Map<number, Die>; signatures: Map<string, number> } {
  const units: Unit[] = [];
  const byOffset = new Map<number, Die>();
  if (s.info) parseSection(s, s.info, 0, false, units, byOffset, warnings);
  if (s.types) parseSection(s, s.types, TYPES_SECTION_BASE, true, units, byOffset, warnings);
  const signatures = new Map<string, number>();
  for (const u of units) if (u.typeSignature !== undefined && u.typeOffset !== undefined) signatures.set(u.typeSignature, u.typeOffset);
  return { units, byOffset, signatures };
}

/**
 * Each .debug_info unit with only its root DIE read (no children): enough for the compilation
 * directory and line table offset, at a fraction of a full parse. Broken units are skipped.
 */
export function unitRoots(s: DwarfSections): Unit[] {
  const units: Unit[] = [];
  if (s.info) parseSection(s, s.info, 0, false, units, new Map(), [], true);
  const r = new DieReader(s, new Map());
  resolveUnitBases(units, r);
  return units;
}

function sigKey(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''); }

function parseSection(s: DwarfSections, info: Uint8Array, base: number, typesSection: boolean, units: Unit[], byOffset: Map<number, Die>, warnings?: string[], rootOnly = false): void {
  const c = new Cursor(info, 0, info.length, typesSection ? '.debug_types' : '.debug_info');
  const abbrevCache = new Map<number, Map<number, AbbrevEntry>>();
  let dieCount = 0;
  while (c.pos < info.length) {
    const unitStart = c.pos;
    const { end, is64 } = c.unitLength();
    if (warnings) {
      const before = byOffset.size;
      try {
        dieCount += parseUnit(s, info, c, unitStart, end, is64, abbrevCache, byOffset, units, dieCount, base, typesSection, rootOnly);
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        warnings.push(e.message);
        // Forget the broken unit's DIEs so no reference from elsewhere lands in half a tree.
        if (byOffset.size !== before) for (const k of [...byOffset.keys()]) if (k >= base + unitStart && k < base + end) byOffset.delete(k);
      }
      c.pos = end;
      continue;
    }
    dieCount += parseUnit(s, info, c, unitStart, end, is64, abbrevCache, byOffset, units, dieCount, base, typesSection);
    c.pos = end;
  }
}

/** Parses one unit whose header starts at c.pos (after the length); returns the DIEs read. */
function parseUnit(s: DwarfSections, info: Uint8Array, c: Cursor, unitStart: number, end: number, is64: boolean,
  abbrevCache: Map<number, Map<number, AbbrevEntry>>, byOffset: Map<number, Die>, units: Unit[], diesSoFar: number,
  base: number, typesSection: boolean, rootOnly = false): number {
  let dieCount = diesSoFar;
  const version = c.u16();
  if (version < 2 || version > 5) throw new DwarfError(`.debug_info: unit at ${hex(unitStart)} has unsupported DWARF version ${version}`);
  let unitType = 1, abbrevOff: number, addrSize: number;
  let signature: string | undefined, typeOffset: number | undefined;
  if (version >= 5) {
    unitType = c.u8(); addrSize = c.u8(); abbrevOff = c.offset(is64);
    if (unitType === 4 || unitType === 5) c.skip(8);              // dwo_id
    else if (unitType === 2 || unitType === 6) { signature = sigKey(c.bytes(8)); typeOffset = c.offset(is64); }
  } else {
    abbrevOff = c.offset(is64); addrSize = c.u8();
    if (typesSection) { unitType = 2; signature = sigKey(c.bytes(8)); typeOffset = c.offset(is64); }
  }
  if (addrSize !== 4 && addrSize !== 8 && addrSize !== 2) throw new DwarfError(`.debug_info: unit at ${hex(unitStart)} has address size ${addrSize}`);
  const unit: Unit = { offset: base + unitStart, version, unitType, addrSize, is64, root: null,
    strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, loclistsBase: 0, baseAddress: 0 };
  if (signature !== undefined && typeOffset !== undefined) { unit.typeSignature = signature; unit.typeOffset = base + unitStart + typeOffset; }
  let abbrevs = abbrevCache.get(abbrevOff);
  if (!abbrevs) { abbrevs = readAbbrevTable(s.abbrev, abbrevOff); abbrevCache.set(abbrevOff, abbrevs); }
  const uc = new Cursor(info, c.pos, end, '.debug_info');
  const stack: Die[] = [];
  while (uc.pos < end) {
    const dieOff = base + uc.pos;
    const code = uc.uleb();
    if (code === 0) {
      if (stack.length === 0) continue;   // padding after the root
      stack.pop();
      continue;
    }
    const ab = abbrevs.get(code);
    if (!ab) throw new DwarfError(`.debug_info: DIE at ${hex(dieOff)} uses abbreviation code ${code}, which the table at ${hex(abbrevOff)} does not define`);
    if (++dieCount > MAX_DIES) throw new DwarfError('.debug_info: too many DIEs');
    const parent = stack.length ? stack[stack.length - 1]! : null;
    if (!parent && unit.root) throw new DwarfError(`.debug_info: unit at ${hex(unitStart)} has a second top-level DIE at ${hex(dieOff)}`);
    const die: Die = { offset: dieOff, tag: ab.tag, attrs: [], children: [], parent, unit };
    for (const sp of ab.specs) {
      let v = readValue(uc, sp.form, unit, sp.implicit);
      if (isRefForm(sp.form) && typeof v === 'number') v += base + unitStart;   // unit-relative -> section offset
      die.attrs.push({ at: sp.at, form: sp.form, value: v });
    }
    byOffset.set(dieOff, die);
    if (parent) parent.children.push(die);
    else { unit.root = die; readUnitBases(unit, die); if (rootOnly) break; }
    if (ab.hasChildren) {
      if (stack.length >= MAX_DEPTH) throw new DwarfError(`.debug_info: DIEs nested deeper than ${MAX_DEPTH} at ${hex(dieOff)}`);
      stack.push(die);
    }
  }
  units.push(unit);
  return dieCount - diesSoFar;
}

function readUnitBases(unit: Unit, root: Die): void {
  for (const a of root.attrs) {
    if (typeof a.value !== 'number') continue;
    if (a.at === AT.str_offsets_base) unit.strOffsetsBase = a.value;
    else if (a.at === AT.addr_base || a.at === AT.GNU_addr_base) unit.addrBase = a.value;
    else if (a.at === AT.rnglists_base) unit.rnglistsBase = a.value;
    else if (a.at === AT.loclists_base) unit.loclistsBase = a.value;
  }
  // DWARF 5 str_offsets with no base attribute: the first table's header is 8 bytes.
  if (unit.version >= 5 && unit.strOffsetsBase === 0 && !root.attrs.some((a) => a.at === AT.str_offsets_base)) unit.strOffsetsBase = unit.is64 ? 16 : 8;
}

/** Reads attributes of DIEs, resolving indexed and section-relative forms. */
export class DieReader {
  constructor(readonly s: DwarfSections, readonly byOffset: Map<number, Die>, readonly signatures: Map<string, number> = new Map()) {}

  attr(die: Die, at: number): Attr | undefined {
    for (const a of die.attrs) if (a.at === at) return a;
    return undefined;
  }

  has(die: Die, at: number): boolean { return this.attr(die, at) !== undefined; }

  num(die: Die, at: number): number | undefined {
    const a = this.attr(die, at);
    if (!a) return undefined;
    return this.constant(a, die.unit);
  }

  constant(a: Attr, unit: Unit): number | undefined {
    if (typeof a.value === 'number') {
      if (a.form === FORM.addrx || a.form === FORM.addrx1 || a.form === FORM.addrx2 || a.form === FORM.addrx3 || a.form === FORM.addrx4 || a.form === FORM.GNU_addr_index) {
        return this.addrIndex(unit, a.value);
      }
      return a.value;
    }
    if (a.value instanceof Uint8Array && a.form === FORM.data16) return undefined;
    return undefined;
  }

  /** Signed interpretation of a data1/2/4 constant (DW_FORM_dataN are untyped; bounds use it). */
  signed(die: Die, at: number): number | undefined {
    const a = this.attr(die, at);
    if (!a || typeof a.value !== 'number') return undefined;
    switch (a.form) {
      case FORM.data1: return a.value > 0x7f ? a.value - 0x100 : a.value;
      case FORM.data2: return a.value > 0x7fff ? a.value - 0x10000 : a.value;
      case FORM.data4: return a.value | 0;
      default: return a.value;
    }
  }

  flag(die: Die, at: number): boolean { const a = this.attr(die, at); return !!a && a.value !== 0; }

  str(die: Die, at: number): string | undefined {
    const a = this.attr(die, at);
    if (!a) return undefined;
    if (typeof a.value === 'string') return a.value;
    if (typeof a.value !== 'number') return undefined;
    switch (a.form) {
      case FORM.strp: return stringAt(this.s.str, a.value, '.debug_str');
      case FORM.line_strp: return stringAt(this.s.lineStr, a.value, '.debug_line_str');
      case FORM.strx: case FORM.strx1: case FORM.strx2: case FORM.strx3: case FORM.strx4: case FORM.GNU_str_index: {
        const u = die.unit;
        const sz = u.is64 ? 8 : 4;
        const so = this.s.strOffsets;
        if (!so) throw new DwarfError('.debug_str_offsets is missing but a DIE uses DW_FORM_strx');
        const c = new Cursor(so, u.strOffsetsBase + a.value * sz, so.length, '.debug_str_offsets');
        return stringAt(this.s.str, c.offset(u.is64), '.debug_str');
      }
      default: return undefined;
    }
  }

  addrIndex(unit: Unit, index: number): number {
    const sec = this.s.addr;
    if (!sec) throw new DwarfError('.debug_addr is missing but a DIE uses DW_FORM_addrx');
    const c = new Cursor(sec, unit.addrBase + index * unit.addrSize, sec.length, '.debug_addr');
    return c.addr(unit.addrSize);
  }

  ref(die: Die, at: number): Die | undefined {
    const a = this.attr(die, at);
    if (!a) return undefined;
    if (a.form === FORM.ref_sig8 && a.value instanceof Uint8Array) {
      const off = this.signatures.get(sigKey(a.value));
      return off === undefined ? undefined : this.byOffset.get(off);
    }
    if (typeof a.value !== 'number') return undefined;
    if (isRefForm(a.form) || a.form === FORM.ref_addr) return this.byOffset.get(a.value);
    return undefined;
  }

  /** The name, following abstract_origin/specification links (bounded against loops). */
  name(die: Die): string | undefined {
    let d: Die | undefined = die;
    for (let i = 0; d && i < 8; i++) {
      const n = this.str(d, AT.name);
      if (n !== undefined) return n;
      d = this.ref(d, AT.abstract_origin) ?? this.ref(d, AT.specification);
    }
    return undefined;
  }

  /** Attribute lookup that falls back to the DIE's abstract origin or specification. */
  inherited(die: Die, at: number): { die: Die; attr: Attr } | undefined {
    let d: Die | undefined = die;
    for (let i = 0; d && i < 8; i++) {
      const a = this.attr(d, at);
      if (a) return { die: d, attr: a };
      d = this.ref(d, AT.abstract_origin) ?? this.ref(d, AT.specification);
    }
    return undefined;
  }

  /** Address ranges of a DIE: low_pc/high_pc or DW_AT_ranges. Half-open [start, end). */
  ranges(die: Die): Array<[number, number]> {
    const low = this.num(die, AT.low_pc);
    const hiAttr = this.attr(die, AT.high_pc);
    if (low !== undefined && hiAttr) {
      const hv = this.constant(hiAttr, die.unit) ?? 0;
      const isAddr = hiAttr.form === FORM.addr || (hiAttr.form >= FORM.addrx1 && hiAttr.form <= FORM.addrx4) || hiAttr.form === FORM.addrx || hiAttr.form === FORM.GNU_addr_index;
      const high = isAddr ? hv : low + hv;
      return high > low ? [[low, high]] : [];
    }
    const ra = this.attr(die, AT.ranges);
    if (ra && typeof ra.value === 'number') return this.rangeList(die.unit, ra);
    return [];   // a low_pc alone (nasm's subprogram) gives no extent
  }

  private rangeList(unit: Unit, a: Attr): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const v = a.value as number;
    if (unit.version < 5) {
      const sec = this.s.ranges;
      if (!sec) throw new DwarfError('.debug_ranges is missing but a DIE uses DW_AT_ranges');
      const c = new Cursor(sec, v, sec.length, '.debug_ranges');
      const max = unit.addrSize === 8 ? -1 : 0xffffffff;   // all ones (8-byte addresses read signed, arch.ts)
      let base = unit.baseAddress;
      for (let i = 0; i < 1_000_000; i++) {
        const s = c.addr(unit.addrSize), e = c.addr(unit.addrSize);
        if (s === 0 && e === 0) return out;
        if (s === max) { base = e; continue; }
        if (e > s) out.push([base + s, base + e]);
      }
      throw new DwarfError(`.debug_ranges: list at ${hex(v)} does not end`);
    }
    const sec = this.s.rnglists;
    if (!sec) throw new DwarfError('.debug_rnglists is missing but a DIE uses DW_AT_ranges');
    let off = v;
    if (a.form === FORM.rnglistx) {
      const sz = unit.is64 ? 8 : 4;
      off = unit.rnglistsBase + new Cursor(sec, unit.rnglistsBase + v * sz, sec.length, '.debug_rnglists').offset(unit.is64);
    }
    const c = new Cursor(sec, off, sec.length, '.debug_rnglists');
    let base = unit.baseAddress;
    for (let i = 0; i < 1_000_000; i++) {
      const kind = c.u8();
      switch (kind) {
        case 0: return out;
        case 1: base = this.addrIndex(unit, c.uleb()); break;
        case 2: { const s = this.addrIndex(unit, c.uleb()); const e = this.addrIndex(unit, c.uleb()); if (e > s) out.push([s, e]); break; }
        case 3: { const s = this.addrIndex(unit, c.uleb()); const n = c.uleb(); if (n > 0) out.push([s, s + n]); break; }
        case 4: { const s = c.uleb(), e = c.uleb(); if (e > s) out.push([base + s, base + e]); break; }
        case 5: base = c.addr(unit.addrSize); break;
        case 6: { const s = c.addr(unit.addrSize), e = c.addr(unit.addrSize); if (e > s) out.push([s, e]); break; }
        case 7: { const s = c.addr(unit.addrSize); const n = c.uleb(); if (n > 0) out.push([s, s + n]); break; }
        default: throw new DwarfError(`.debug_rnglists: unknown entry kind ${kind} at ${hex(c.pos - 1)}`);
      }
    }
    throw new DwarfError(`.debug_rnglists: list at ${hex(off)} does not end`);
  }
}

/** Sets each unit's base address from its root DIE's low_pc (needs the reader for addrx). */
export function resolveUnitBases(units: Unit[], r: DieReader): void {
  for (const u of units) {
    if (!u.root) continue;
    u.baseAddress = r.num(u.root, AT.low_pc) ?? 0;
  }
}

export function isUnitTag(tag: number): boolean {
  return tag === TAG.compile_unit || tag === TAG.partial_unit || tag === TAG.skeleton_unit;
}

/**
 * One unit from bytes holding it (at least its header and root DIE when `rootOnly`), whose
 * first byte is at `base` in .debug_info: DIE offsets and references are section offsets, as
 * parseUnits gives them. For units loaded one at a time from a separate debug file.
 */
export function parseUnitBytes(s: DwarfSections, bytes: Uint8Array, base: number, rootOnly = false): { unit: Unit; byOffset: Map<number, Die> } {
  const c = new Cursor(bytes, 0, bytes.length, '.debug_info');
  let len = c.u32();
  let is64 = false;
  if (len === 0xffffffff) { len = c.u64(); is64 = true; } else if (len >= 0xfffffff0) throw new DwarfError(`.debug_info: reserved unit length ${hex(len)} at ${hex(base)}`);
  const end = c.pos + len;
  if (end > bytes.length && !rootOnly) throw new DwarfError(`.debug_info: unit at ${hex(base)} is ${len} bytes, past the ${bytes.length} bytes read`);
  const units: Unit[] = [];
  const byOffset = new Map<number, Die>();
  parseUnit(s, bytes, c, 0, Math.min(end, bytes.length), is64, new Map(), byOffset, units, 0, base, false, rootOnly);
  return { unit: units[0]!, byOffset };
}
