// The header of a line-number program (DWARF 5 spec, section 6.2.4): its parameters and its
// file-name table with every name joined to its directories as source-paths.ts describes. The
// one reader of that table: line-table.ts decodes the programs that follow it, and
// DW_AT_decl_file / DW_AT_call_file index the same names.

import { Cursor, DwarfError, hex, stringAt } from './reader';
import { compilationDir, joinSourcePath, normalizeSourcePath } from './source-paths';
import { AT } from './constants';
import { DieReader, unitRoots } from './debug-info';
import type { Die, DwarfSections, Unit } from './debug-info';

export interface LineHeader {
  version: number;
  addressSize: number;
  /** Offset of the first opcode, and of the byte after the unit. */
  programStart: number;
  unitEnd: number;
  minInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  /** Operand counts of the standard opcodes, indexed by opcode. */
  stdLengths: number[];
  /** Directory entries, resolved against the compilation directory. */
  dirs: string[];
  /** File entries by the number the program and DW_AT_decl_file use ('' where none is defined). */
  files: string[];
}

const LNCT_PATH = 1, LNCT_DIR = 2;
const FORM = { block: 0x09, data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07, data16: 0x1e, string: 0x08, strp: 0x0e, udata: 0x0f, line_strp: 0x1f, strx: 0x1a, strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28 };
const MAX_ENTRIES = 100_000;

export interface LineStrings {
  str?: Uint8Array | undefined; lineStr?: Uint8Array | undefined;
  /**
   * Strings and joined paths already made, shared by many headers: a vmlinux's 2,000 line
   * programs name the same 20,000 headers 330,000 times over, through the same string offsets.
   */
  memo?: { strings: Map<number, string>; paths: Map<string, string> };
}

/**
 * Reads the header of the line program at `offset`. `compDir` is the unit's compilation
 * directory (see compilationDir); DWARF 5 tables name it themselves as directory 0, which wins.
 */
export function readLineHeader(line: Uint8Array, offset: number, compDir: string, s: LineStrings = {}): LineHeader {
  const c = new Cursor(line, offset, line.length, '.debug_line');
  const { end, is64 } = c.unitLength();
  const u = new Cursor(line, c.pos, end, '.debug_line');
  const version = u.u16();
  if (version < 2 || version > 5) throw new DwarfError(`.debug_line: unit at ${hex(offset)} has unsupported version ${version}`);
  let addressSize = 4;
  if (version >= 5) { addressSize = u.u8(); u.u8(); }
  const headerLength = u.offset(is64);
  const programStart = u.pos + headerLength;
  if (programStart > end) throw new DwarfError(`.debug_line: header of the unit at ${hex(offset)} runs past the unit`);
  const minInst = u.u8();
  if (version >= 4) u.u8();      // maximum_operations_per_instruction: 1 on x86
  const defaultIsStmt = u.u8() !== 0;
  const lineBase = u.i8();
  const lineRange = u.u8();
  if (lineRange === 0) throw new DwarfError(`.debug_line: unit at ${hex(offset)} has line_range 0`);
  const opcodeBase = u.u8();
  const stdLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(u.u8());
  const dirs: string[] = [];
  const files: string[] = [];
  if (version >= 5) {
    const value = (form: number): string | number => {
      switch (form) {
        case FORM.string: return u.cstr();
        case FORM.line_strp: {
          const off = u.offset(is64);
          const memo = s.memo?.strings;
          if (!memo) return stringAt(s.lineStr, off, '.debug_line_str');
          let v = memo.get(off);
          if (v === undefined) { v = stringAt(s.lineStr, off, '.debug_line_str'); memo.set(off, v); }
          return v;
        }
        case FORM.strp: return stringAt(s.str, u.offset(is64), '.debug_str');
        case FORM.udata: return u.uleb();
        case FORM.data1: return u.u8();
        case FORM.data2: return u.u16();
        case FORM.data4: return u.u32();
        case FORM.data8: return u.u64();
        case FORM.data16: u.skip(16); return 0;
        case FORM.block: u.skip(u.uleb()); return 0;
        // Indexed strings need the unit's str_offsets_base, which a line table does not know;
        // no producer uses them here.
        case FORM.strx: u.uleb(); return '';
        case FORM.strx1: u.skip(1); return '';
        case FORM.strx2: u.skip(2); return '';
        case FORM.strx3: u.skip(3); return '';
        case FORM.strx4: u.skip(4); return '';
        default: throw new DwarfError(`.debug_line: unsupported form ${hex(form)} in the header at ${hex(offset)}`);
      }
    };
    const formats = (): Array<[number, number]> => {
      const n = u.u8();
      const f: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) f.push([u.uleb(), u.uleb()]);
      return f;
    };
    const dirFormats = formats();
    const nd = u.uleb();
    for (let i = 0; i < nd && i < MAX_ENTRIES; i++) {
      let p = '';
      for (const [ct, f] of dirFormats) { const v = value(f); if (ct === LNCT_PATH) p = String(v); }
      // Entry 0 is the compilation directory; the others are relative to it.
      // A relative compilation directory (Debian's kernel records debian/build/build_amd64_...)
      // is entry 0 as written, not that path again under itself.
      const same = i === 0 && (normalizeSourcePath(p) === normalizeSourcePath(compDir) || normalizeSourcePath(compDir).endsWith(`/${normalizeSourcePath(p)}`));
      dirs.push(i === 0 ? (same ? compDir : joinSourcePath(compDir, p)) : joinSourcePath(dirs[0]!, p));
    }
    const fileFormats = formats();
    const nf = u.uleb();
    for (let i = 0; i < nf && i < MAX_ENTRIES; i++) {
      let p = '', d = 0;
      for (const [ct, f] of fileFormats) { const v = value(f); if (ct === LNCT_PATH) p = String(v); else if (ct === LNCT_DIR) d = Number(v); }
      const dir = dirs[d] ?? dirs[0] ?? compDir;
      const paths = s.memo?.paths;
      if (!paths) { files.push(joinSourcePath(dir, p)); continue; }
      const key = `${dir}\0${p}`;
      let joined = paths.get(key);
      if (joined === undefined) { joined = joinSourcePath(dir, p); paths.set(key, joined); }
      files.push(joined);
    }
  } else {
    dirs.push(compDir);            // entry 0: the compilation directory, named in .debug_info
    for (let d = u.cstr(); d !== '' && dirs.length <= MAX_ENTRIES; d = u.cstr()) dirs.push(joinSourcePath(compDir, d));
    files.push('');                // file numbers start at 1 before DWARF 5
    for (let n = u.cstr(); n !== '' && files.length <= MAX_ENTRIES; n = u.cstr()) {
      const d = u.uleb(); u.uleb(); u.uleb();
      files.push(joinSourcePath(dirs[d] ?? compDir, n));
    }
  }
  return { version, addressSize, programStart, unitEnd: end, minInst, defaultIsStmt, lineBase, lineRange, opcodeBase, stdLengths, dirs, files };
}

/** The file-name table alone (what DW_AT_decl_file and DW_AT_call_file index). */
export function lineFileNames(line: Uint8Array, offset: number, compDir: string, str?: Uint8Array, lineStr?: Uint8Array): string[] {
  return readLineHeader(line, offset, compDir, { str, lineStr }).files;
}

/** A unit's compilation directory as its relative source paths need it (see compilationDir). */
export function unitCompilationDir(r: DieReader, root: Die): string {
  const str = (at: number): string => { try { return r.str(root, at) ?? ''; } catch { return ''; } };
  return compilationDir(str(AT.comp_dir), str(AT.name), str(AT.producer));
}

/** Compilation directories by the .debug_line offset of each unit's line program. */
export function compilationDirsByLineOffset(s: DwarfSections): Map<number, string> {
  const out = new Map<number, string>();
  let units: Unit[] = [];
  try { units = unitRoots(s); } catch { return out; }
  const r = new DieReader(s, new Map());
  for (const u of units) {
    if (!u.root) continue;
    const off = r.num(u.root, AT.stmt_list);
    if (off !== undefined && !out.has(off)) out.set(off, unitCompilationDir(r, u.root));
  }
  return out;
}
