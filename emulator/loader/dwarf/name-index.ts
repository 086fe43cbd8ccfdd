// Which compile units define a function, by name: the index a debugger needs for a name with
// no ELF symbol (a function only ever inlined, such as most of a kernel's static inlines),
// whose units otherwise take a byte search of the whole .debug_info (seconds for a vmlinux).
// Built by one pass over .debug_info that decodes DIE headers by their abbreviations and reads
// only the names of DW_TAG_subprogram DIEs that are not declarations; stored as sorted pairs
// (hash of the name, unit offset), small enough to keep in a file beside the debug file's
// build id and read back whole. A hash collision only adds a unit to look in.

import { AT, FORM, TAG } from './constants';
import { DwarfError, hex } from './reader';

/** Reads part of .debug_info: `length` bytes from `offset`. */
export type SectionReader = (offset: number, length: number) => Uint8Array;

const MAGIC = 0x494e5650; // 'PVNI'
const FORMAT = 1;

/** FNV-1a over the name's bytes (UTF-8, as DWARF stores it). */
export function nameHash(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export class NameIndex {
  /** `hashes` sorted ascending; `units[i]` the unit offset of pair i (pairs sorted by hash, then unit). */
  private constructor(private readonly hashes: Uint32Array, private readonly units: Uint32Array) {}

  get size(): number { return this.hashes.length; }

  /** Units with a function named `name` (defined, out of line or inlined), in .debug_info order. */
  unitsNaming(name: string): number[] {
    const h = nameHash(new TextEncoder().encode(name));
    const a = this.hashes;
    let lo = 0, hi = a.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid]! < h) lo = mid + 1; else hi = mid; }
    const out: number[] = [];
    for (let i = lo; i < a.length && a[i] === h; i++) out.push(this.units[i]!);
    return out;
  }

  /** The index as bytes for a cache file: a header (magic, format, `key`, count) and the two arrays. */
  toBytes(key: Uint8Array): Uint8Array {
    const n = this.hashes.length;
    const keyWords = Math.ceil(key.length / 4);
    const out = new Uint8Array(16 + keyWords * 4 + n * 8);
    const v = new DataView(out.buffer);
    v.setUint32(0, MAGIC, true); v.setUint32(4, FORMAT, true); v.setUint32(8, key.length, true); v.setUint32(12, n, true);
    out.set(key, 16);
    const at = 16 + keyWords * 4;
    for (let i = 0; i < n; i++) { v.setUint32(at + i * 4, this.hashes[i]!, true); v.setUint32(at + n * 4 + i * 4, this.units[i]!, true); }
    return out;
  }

  /** The index a cache file holds, or null when it is not one for `key` (another build, a broken file). */
  static fromBytes(bytes: Uint8Array, key: Uint8Array): NameIndex | null {
    if (bytes.length < 16) return null;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    if (v.getUint32(0, true) !== MAGIC || v.getUint32(4, true) !== FORMAT || v.getUint32(8, true) !== key.length) return null;
    const n = v.getUint32(12, true);
    const at = 16 + Math.ceil(key.length / 4) * 4;
    if (bytes.length !== at + n * 8) return null;
    for (let i = 0; i < key.length; i++) if (bytes[16 + i] !== key[i]) return null;
    const hashes = new Uint32Array(n), units = new Uint32Array(n);
    for (let i = 0; i < n; i++) { hashes[i] = v.getUint32(at + i * 4, true); units[i] = v.getUint32(at + n * 4 + i * 4, true); }
    for (let i = 1; i < n; i++) if (hashes[i - 1]! > hashes[i]!) return null;
    return new NameIndex(hashes, units);
  }

  /** Pairs (hash, unit) collected in any order. */
  static fromPairs(pairs: { hashes: number[]; units: number[] }): NameIndex {
    const n = pairs.hashes.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => pairs.hashes[x]! - pairs.hashes[y]! || pairs.units[x]! - pairs.units[y]!);
    const hashes = new Uint32Array(n), units = new Uint32Array(n);
    let w = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!, h = pairs.hashes[i]!, u = pairs.units[i]!;
      if (w > 0 && hashes[w - 1] === h && units[w - 1] === u) continue;
      hashes[w] = h; units[w] = u; w++;
    }
    return new NameIndex(hashes.slice(0, w), units.slice(0, w));
  }
}

/** One abbreviation, compiled for skipping: its forms, and where its name and declaration flag are. */
interface Abbrev { tag: number; children: boolean; fixed: number; ats: Int32Array; forms: Int32Array; implicit: Float64Array; nameAt: number; declAt: number }

/** Bytes a DIE of these forms takes when every form has a fixed size, else -1. */
function fixedSize(forms: number[], addrSize: number, is64: boolean): number {
  let n = 0;
  for (const f of forms) {
    switch (f) {
      case FORM.flag_present: case FORM.implicit_const: break;
      case FORM.addr: n += addrSize; break;
      case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: n += 1; break;
      case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: n += 2; break;
      case FORM.strx3: case FORM.addrx3: n += 3; break;
      case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: n += 4; break;
      case FORM.data8: case FORM.ref8: case FORM.ref_sup8: case FORM.ref_sig8: n += 8; break;
      case FORM.data16: n += 16; break;
      case FORM.strp: case FORM.line_strp: case FORM.sec_offset: case FORM.strp_sup: case FORM.GNU_ref_alt: case FORM.GNU_strp_alt: n += is64 ? 8 : 4; break;
      default: return -1;
    }
  }
  return n;
}

function compileAbbrevs(sec: Uint8Array, offset: number, addrSize: number, is64: boolean): Abbrev[] {
  const table: Abbrev[] = [];
  let p = offset;
  const uleb = (): number => {
    let r = 0, shift = 0, b: number;
    do { if (p >= sec.length) throw new DwarfError(`.debug_abbrev: table at ${hex(offset)} runs past the section`); b = sec[p++]!; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return r;
  };
  const sleb = (): number => {
    let r = 0, shift = 0, b: number;
    do { b = sec[p++]!; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return b & 0x40 ? r - 2 ** shift : r;
  };
  for (;;) {
    const code = uleb();
    if (code === 0) break;
    const tag = uleb();
    const children = sec[p++] !== 0;
    const ats: number[] = [], forms: number[] = [], implicit: number[] = [];
    let nameAt = -1, declAt = -1;
    for (;;) {
      const at = uleb(), form = uleb();
      if (at === 0 && form === 0) break;
      if (at === AT.name) nameAt = forms.length;
      if (at === AT.declaration) declAt = forms.length;
      ats.push(at);
      forms.push(form);
      implicit.push(form === FORM.implicit_const ? sleb() : 0);
    }
    if (code > 1_000_000) throw new DwarfError(`.debug_abbrev: abbreviation code ${code} in the table at ${hex(offset)} is implausibly large`);
    table[code] = { tag, children, fixed: fixedSize(forms, addrSize, is64), ats: Int32Array.from(ats), forms: Int32Array.from(forms), implicit: Float64Array.from(implicit), nameAt, declAt };
  }
  return table;
}

/**
 * Builds the index from .debug_info (read by ranges: it may be hundreds of MB), .debug_abbrev
 * and .debug_str (and .debug_str_offsets for strx names). Throws a DwarfError for a unit it cannot decode.
 */
export function buildNameIndex(readInfo: SectionReader, infoSize: number, abbrev: Uint8Array, str: Uint8Array | undefined, strOffsets?: Uint8Array): NameIndex {
  const hashes: number[] = [], units: number[] = [];
  const abbrevCache = new Map<string, Abbrev[]>();
  const strHash = new Map<number, number>();
  const hashAtStr = (off: number): number => {
    let h = strHash.get(off);
    if (h !== undefined) return h;
    if (!str || off >= str.length) return 0;
    let end = str.indexOf(0, off);
    if (end < 0) end = str.length;
    h = nameHash(str, off, end);
    strHash.set(off, h);
    return h;
  };
  const CHUNK = 16 << 20;
  let buf: Uint8Array = new Uint8Array(0), bufStart = 0;
  for (let unitOff = 0; unitOff + 11 <= infoSize;) {
    // One unit's bytes at a time (units are a few MiB at most), read in large chunks.
    if (unitOff + 12 > bufStart + buf.length) { bufStart = unitOff; buf = readInfo(unitOff, Math.min(CHUNK, infoSize - unitOff)); }
    let p = unitOff - bufStart;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    let len = dv.getUint32(p, true); p += 4;
    let is64 = false;
    if (len === 0xffffffff) { len = Number(dv.getBigUint64(p, true)); p += 8; is64 = true; } else if (len >= 0xfffffff0) throw new DwarfError(`.debug_info: reserved unit length ${hex(len)} at ${hex(unitOff)}`);
    const unitEnd = unitOff + (is64 ? 12 : 4) + len;
    if (unitEnd > infoSize) throw new DwarfError(`.debug_info: unit at ${hex(unitOff)} runs past the section end`);
    if (unitEnd > bufStart + buf.length) {
      bufStart = unitOff; buf = readInfo(unitOff, Math.max(unitEnd - unitOff, Math.min(CHUNK, infoSize - unitOff)));
      p = is64 ? 12 : 4;
    }
    const b = buf, view = new DataView(b.buffer, b.byteOffset, b.length);
    const end = unitEnd - bufStart;
    const version = view.getUint16(p, true); p += 2;
    if (version < 2 || version > 5) throw new DwarfError(`.debug_info: unit at ${hex(unitOff)} has unsupported DWARF version ${version}`);
    let abbrevOff: number, addrSize: number, unitType = 1;
    const off = (): number => { const v = is64 ? Number(view.getBigUint64(p, true)) : view.getUint32(p, true); p += is64 ? 8 : 4; return v; };
    if (version >= 5) {
      unitType = b[p++]!; addrSize = b[p++]!; abbrevOff = off();
      if (unitType === 4 || unitType === 5) p += 8;
      else if (unitType === 2 || unitType === 6) { p += 8; off(); }
    } else { abbrevOff = off(); addrSize = b[p++]!; }
    const shape = `${abbrevOff}:${addrSize}:${is64 ? 8 : 4}`;
    let table = abbrevCache.get(shape);
    if (!table) { table = compileAbbrevs(abbrev, abbrevOff, addrSize, is64); abbrevCache.set(shape, table); }
    let strBase = version >= 5 ? (is64 ? 16 : 8) : 0;
    let depth = 0, first = true;
    const uleb = (): number => {
      let r = 0, shift = 0, x: number;
      do { x = b[p++]!; r += (x & 0x7f) * 2 ** shift; shift += 7; } while (x & 0x80);
      return r;
    };
    const strx = (i: number): number => {
      if (!strOffsets) return 0;
      const at = strBase + i * (is64 ? 8 : 4);
      if (at + 4 > strOffsets.length) return 0;
      return hashAtStr(new DataView(strOffsets.buffer, strOffsets.byteOffset, strOffsets.length).getUint32(at, true));
    };
    while (p < end) {
      let code = b[p++]!;
      if (code >= 0x80) { p--; code = uleb(); }
      if (code === 0) { if (depth > 0) depth--; continue; }
      const ab = table[code];
      if (!ab) throw new DwarfError(`.debug_info: DIE at ${hex(bufStart + p)} uses abbreviation code ${code}, which the table at ${hex(abbrevOff)} does not define`);
      const wanted = ab.tag === TAG.subprogram;
      if (!wanted && ab.fixed >= 0 && !first) {
        p += ab.fixed;
        if (ab.children) depth++;
        continue;
      }
      let name = -1, declared = false;
      const forms = ab.forms;
      for (let i = 0; i < forms.length; i++) {
        let form = forms[i]!;
        if (form === FORM.indirect) form = uleb();
        const here = wanted && (i === ab.nameAt || i === ab.declAt);
        switch (form) {
          case FORM.flag_present: if (here && i === ab.declAt) declared = true; break;
          case FORM.implicit_const: if (here && i === ab.declAt) declared = ab.implicit[i] !== 0; break;
          case FORM.addr: p += addrSize; break;
          case FORM.data1: case FORM.ref1: case FORM.addrx1: p += 1; break;
          case FORM.flag: if (here && i === ab.declAt) declared = b[p] !== 0; p += 1; break;
          case FORM.strx1: if (here && i === ab.nameAt) name = strx(b[p]!); p += 1; break;
          case FORM.data2: case FORM.ref2: case FORM.addrx2: p += 2; break;
          case FORM.strx2: if (here && i === ab.nameAt) name = strx(view.getUint16(p, true)); p += 2; break;
          case FORM.addrx3: p += 3; break;
          case FORM.strx3: if (here && i === ab.nameAt) name = strx(view.getUint16(p, true) + b[p + 2]! * 0x10000); p += 3; break;
          case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.addrx4: p += 4; break;
          case FORM.strx4: if (here && i === ab.nameAt) name = strx(view.getUint32(p, true)); p += 4; break;
          case FORM.data8: case FORM.ref8: case FORM.ref_sup8: case FORM.ref_sig8: p += 8; break;
          case FORM.data16: p += 16; break;
          case FORM.string: {
            const s = b.indexOf(0, p);
            if (s < 0 || s >= end) throw new DwarfError(`.debug_info: unterminated string at ${hex(bufStart + p)}`);
            if (here && i === ab.nameAt) name = nameHash(b, p, s);
            p = s + 1;
            break;
          }
          case FORM.block1: p += 1 + b[p]!; break;
          case FORM.block2: p += 2 + view.getUint16(p, true); break;
          case FORM.block4: p += 4 + view.getUint32(p, true); break;
          case FORM.block: case FORM.exprloc: { const n = uleb(); p += n; break; }
          case FORM.sdata: case FORM.udata: case FORM.ref_udata: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
          case FORM.GNU_addr_index: case FORM.GNU_str_index:
            uleb(); break;
          case FORM.strx: { const n = uleb(); if (here && i === ab.nameAt) name = strx(n); break; }
          case FORM.strp: case FORM.line_strp: case FORM.sec_offset: case FORM.strp_sup: case FORM.GNU_ref_alt: case FORM.GNU_strp_alt: {
            const v = off();
            if (first && ab.ats[i] === AT.str_offsets_base) strBase = v;
            if (here && i === ab.nameAt && form === FORM.strp) name = hashAtStr(v);
            break;
          }
          case FORM.ref_addr: p += version <= 2 ? addrSize : is64 ? 8 : 4; break;
          default: throw new DwarfError(`.debug_info: unknown attribute form ${hex(form)} at ${hex(bufStart + p)}`);
        }
      }
      if (wanted && name !== -1 && !declared) { hashes.push(name); units.push(unitOff); }
      first = false;
      if (ab.children) depth++;
    }
    unitOff = unitEnd;
  }
  return NameIndex.fromPairs({ hashes, units });
}
