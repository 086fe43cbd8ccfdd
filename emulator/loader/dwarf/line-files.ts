// The file-name table of a unit's line-number program header (DWARF 5 spec, section 6.2.4),
// which DW_AT_decl_file indexes. Only the header is read; line-table.ts decodes the programs.

import { Cursor } from './reader';
import { stringAt } from './reader';

function join(dir: string, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

const LNCT_PATH = 1, LNCT_DIR = 2;

export function lineFileNames(line: Uint8Array, offset: number, compDir: string, str?: Uint8Array, lineStr?: Uint8Array): string[] {
  const c = new Cursor(line, offset, line.length, '.debug_line');
  const { end, is64 } = c.unitLength();
  const u = new Cursor(line, c.pos, end, '.debug_line');
  const version = u.u16();
  if (version < 2 || version > 5) return [];
  if (version >= 5) { u.u8(); u.u8(); }
  u.offset(is64);
  u.u8();                        // minimum_instruction_length
  if (version >= 4) u.u8();      // maximum_operations_per_instruction
  u.u8(); u.i8(); u.u8();        // default_is_stmt, line_base, line_range
  const opcodeBase = u.u8();
  u.skip(Math.max(0, opcodeBase - 1));
  const files: string[] = [];
  if (version >= 5) {
    const readVal = (form: number): string | number => {
      switch (form) {
        case 0x08: return u.cstr();
        case 0x1f: return stringAt(lineStr, u.offset(is64), '.debug_line_str');
        case 0x0e: return stringAt(str, u.offset(is64), '.debug_str');
        case 0x0f: return u.uleb();
        case 0x0b: return u.u8();
        case 0x05: return u.u16();
        case 0x06: return u.u32();
        case 0x07: return u.u64();
        case 0x1e: u.skip(16); return 0;
        case 0x09: u.skip(u.uleb()); return 0;
        default: throw new Error(`.debug_line: unsupported form 0x${form.toString(16)} in the header`);
      }
    };
    const formats = (): Array<[number, number]> => { const n = u.u8(); const f: Array<[number, number]> = []; for (let i = 0; i < n; i++) f.push([u.uleb(), u.uleb()]); return f; };
    const dirFormats = formats();
    const dirs: string[] = [];
    const nd = u.uleb();
    for (let i = 0; i < nd && i < 100_000; i++) { let p = ''; for (const [ct, f] of dirFormats) { const v = readVal(f); if (ct === LNCT_PATH) p = String(v); } dirs.push(p); }
    const fileFormats = formats();
    const nf = u.uleb();
    for (let i = 0; i < nf && i < 100_000; i++) {
      let p = '', d = 0;
      for (const [ct, f] of fileFormats) { const v = readVal(f); if (ct === LNCT_PATH) p = String(v); else if (ct === LNCT_DIR) d = Number(v); }
      files.push(join(dirs[d] ?? '', p));
    }
  } else {
    const dirs = [compDir];
    for (let d = u.cstr(); d !== ''; d = u.cstr()) dirs.push(join(compDir, d));
    files.push('');   // file numbers start at 1 before DWARF 5
    for (let n = u.cstr(); n !== ''; n = u.cstr()) { const d = u.uleb(); u.uleb(); u.uleb(); files.push(join(dirs[d] ?? '', n)); }
  }
  return files;
}
