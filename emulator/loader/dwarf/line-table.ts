// Addresses to source lines from an ELF image's DWARF .debug_line (versions 2 to 5: nasm
// -F dwarf writes 3, gcc 12 writes 5), for the exit profile and the debugger. Reads the
// line-number programs (DWARF 5 spec, section 6.2) and answers "which file and line holds
// this address" and, the other way, "which addresses begin this line".

import { asImage, type KernelImage } from '../kernel-image';
import { compilationDirsByLineOffset, readLineHeader, type LineStrings } from './line-files';
export type { LineStrings } from './line-files';
import { joinSourcePath } from './source-paths';
import { Cursor } from './reader';
import { sectionsOfImage } from './sections';
import type { DwarfSections } from './debug-info';

export interface SourceLine { file: string; line: number }

export interface LineRow {
  start: number; end: number; file: string; line: number; isStmt: boolean;
  /**
   * Every statement row at `start` when there are several rows there (gcc's location views)
   * and they say more than the last row does: a line breakpoint or a stop may use any of them.
   */
  stmts?: SourceLine[];
}

/** Decodes one line-number program unit starting at `pos`; returns the offset after it. */
function decodeUnit(data: Uint8Array, pos: number, compDir: string, strings: LineStrings, out: LineRow[]): number {
  const h = readLineHeader(data, pos, compDir, strings);
  const { programStart, unitEnd, minInst, defaultIsStmt, lineBase, lineRange, opcodeBase, stdLengths, addressSize, dirs } = h;
  const files = h.files.slice();
  const p = new Cursor(data, programStart, unitEnd, '.debug_line');
  let address = 0, file = 1, line = 1, isStmt = defaultIsStmt;
  // A unit of 8-byte addresses (the header's, or DW_LNE_set_address's operand) does not wrap at 2^32.
  let wide = addressSize === 8;
  let seq: Array<{ address: number; file: number; line: number; isStmt: boolean }> = [];
  const emit = () => { seq.push({ address, file, line, isStmt }); };
  const endSequence = () => {
    for (let i = 0; i < seq.length; i++) {
      const r = seq[i]!;
      const next = i + 1 < seq.length ? seq[i + 1]!.address : address;
      if (next <= r.address) continue;
      // gcc's location views put several rows at one address; the last one gives the line,
      // and it is a statement if any row of that same line at that address said so.
      let stmt = r.isStmt;
      for (let j = i - 1; !stmt && j >= 0 && seq[j]!.address === r.address; j--) {
        const q = seq[j]!;
        if (q.file === r.file && q.line === r.line && q.isStmt) stmt = true;
      }
      const range: LineRow = { start: r.address, end: next, file: files[r.file] ?? `file${r.file}`, line: r.line, isStmt: stmt };
      const stmts: SourceLine[] = [];
      let j = i;
      while (j > 0 && seq[j - 1]!.address === r.address) j--;
      // As gdb reads a line table: a row followed at the same address by a row of another file
      // is dropped (gdb ends the first file's sequence there, which discards its rows at that
      // address), so an empty inline like setup.c's setup_olpc_ofw_pgd() line has no code.
      for (; j <= i; j++) {
        const q = seq[j]!;
        if (!q.isStmt) continue;
        let shadowed = false;
        for (let k = j + 1; k <= i && !shadowed; k++) if (seq[k]!.file !== q.file) shadowed = true;
        if (!shadowed) stmts.push({ file: files[q.file] ?? `file${q.file}`, line: q.line });
      }
      const last = stmts[stmts.length - 1];
      if (last && (stmts.length > 1 || last.file !== range.file || last.line !== range.line)) range.stmts = stmts;
      out.push(range);
    }
    seq = [];
    address = 0; file = 1; line = 1; isStmt = defaultIsStmt;
  };
  while (p.pos < unitEnd) {
    const op = p.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address += Math.floor(adj / lineRange) * minInst;
      line += lineBase + (adj % lineRange);
      emit();
    } else if (op === 0) {
      const len = p.uleb();
      const start = p.pos;
      if (len === 0) continue;
      const sub = p.u8();
      if (sub === 1) { emit(); endSequence(); }
      else if (sub === 2) { const n = len - 1 || addressSize; if (n === 8) wide = true; address = p.addr(n); }
      else if (sub === 3) { const name = p.cstr(); const dir = p.uleb(); p.uleb(); p.uleb(); files.push(joinSourcePath(dirs[dir] ?? compDir, name)); }
      p.pos = start + len;
    } else {
      switch (op) {
        case 1: emit(); break;                                        // copy
        case 2: address += p.uleb() * minInst; break;                 // advance_pc
        case 3: line += p.sleb(); break;                              // advance_line
        case 4: file = p.uleb(); break;                               // set_file
        case 5: p.uleb(); break;                                      // set_column
        case 6: isStmt = !isStmt; break;                              // negate_stmt
        case 7: case 10: case 11: break;                              // flags we do not need
        case 8: address += Math.floor((255 - opcodeBase) / lineRange) * minInst; break; // const_add_pc
        case 9: address += p.u16(); break;                            // fixed_advance_pc
        default: for (let i = 0; i < (stdLengths[op] ?? 0); i++) p.uleb();
      }
    }
    if (!wide) address >>>= 0;
  }
  return unitEnd;
}

/**
 * Where a LineTable's rows come from: one sorted list for a whole image, or one per unit read
 * when an address or a file needs it (lazy-lines.ts, for a vmlinux). Each list is sorted by start.
 */
export interface LineRows {
  /** The sorted rows of the part holding `address` (all rows for a whole image). */
  rowsAt(address: number): readonly LineRow[];
  /** The sorted row lists that may name a file `matches` accepts. */
  rowsNaming(matches: (file: string) => boolean): Array<readonly LineRow[]>;
  /** Every file a row names (as the line programs spell them). */
  files(): string[];
  /** Rows decoded so far. */
  readonly size: number;
}

/** Rows of a line program at `offset` in .debug_line, sorted by address (a damaged unit: none). */
export function decodeLineProgram(data: Uint8Array, offset: number, compDir: string, strings: LineStrings): LineRow[] {
  const rows: LineRow[] = [];
  try { decodeUnit(data, offset, compDir, strings, rows); } catch { return []; }
  return rows.sort((a, b) => a.start - b.start);
}

class WholeRows implements LineRows {
  constructor(private readonly ranges: LineRow[]) {}
  rowsAt(): readonly LineRow[] { return this.ranges; }
  rowsNaming(): Array<readonly LineRow[]> { return [this.ranges]; }
  files(): string[] { return [...new Set(this.ranges.map((r) => r.file))]; }
  get size(): number { return this.ranges.length; }
}

/** Line lookup for one image; empty when the image has no (readable) line table. */
export class LineTable {
  constructor(private readonly rows: LineRows) {}

  static fromImage(source: Uint8Array | KernelImage): LineTable {
    const image = asImage(source);
    if (image.format !== 'elf') return LineTable.empty();
    try {
      return LineTable.fromSections(sectionsOfImage(image).sections);
    } catch {
      // A damaged image costs the profile its file/line fields, never the run.
      return LineTable.empty();
    }
  }

  static empty(): LineTable { return new LineTable(new WholeRows([])); }

  /** From an image's debug sections: .debug_line, with .debug_info for each unit's compilation directory. */
  static fromSections(s: DwarfSections): LineTable {
    const data = s.line;
    if (!data) return LineTable.empty();
    const compDirs = compilationDirsByLineOffset(s);
    const ranges: LineRow[] = [];
    for (let pos = 0; pos + 4 <= data.length;) {
      let next: number;
      try { next = new Cursor(data, pos, data.length, '.debug_line').unitLength().end; } catch { break; }
      // A unit that cannot be read (damaged, or a version after 5) loses its own rows only.
      const rows: LineRow[] = [];
      try { decodeUnit(data, pos, compDirs.get(pos) ?? '', { str: s.str, lineStr: s.lineStr }, rows); ranges.push(...rows); } catch { /* skipped */ }
      pos = next;
    }
    ranges.sort((a, b) => a.start - b.start);
    return new LineTable(new WholeRows(ranges));
  }

  get size(): number { return this.rows.size; }

  /** Every file named by a row, as the line program spells it. */
  files(): string[] { return this.rows.files(); }

  /** True when a statement row (of any of the rows at it) starts exactly at this address: a place a line step may stop. */
  isStatementStart(address: number): boolean {
    const r = this.rowAtAddress(address);
    return !!r && r.start === address && (r.isStmt || r.stmts !== undefined);
  }

  /**
   * The first line at or after `line` that has code in the file `matches` accepts, and the
   * addresses where its statements begin (several when the compiler split the line).
   */
  addressesForLine(matches: (file: string) => boolean, line: number): { file: string; line: number; addresses: number[] } | undefined {
    // A range's statement lines: its own, and those of the other rows at its address.
    const stmtLines = (r: LineRow): SourceLine[] => r.stmts ?? (r.isStmt ? [r] : []);
    const parts = this.rows.rowsNaming(matches);
    let best: { file: string; line: number } | undefined;
    for (const ranges of parts) {
      for (const r of ranges) {
        for (const l of stmtLines(r)) {
          if (l.line < line || !matches(l.file)) continue;
          if (!best || l.line < best.line) best = { file: l.file, line: l.line };
        }
      }
    }
    if (!best) return undefined;
    const starts: number[] = [];
    for (const ranges of parts) {
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i]!;
        if (!stmtLines(r).some((l) => l.line === best!.line && l.file === best!.file)) continue;
        // Only the first row of a run of rows for this line begins it; the rest continue it.
        const prev = i > 0 ? ranges[i - 1] : undefined;
        if (prev && prev.end === r.start && prev.line === best.line && prev.file === best.file) continue;
        starts.push(r.start);
      }
    }
    return { ...best, addresses: [...new Set(starts)].sort((a, b) => a - b) };
  }

  /** The row holding `address`: where its code starts and ends. */
  rowAt(address: number): { start: number; end: number } | undefined {
    const r = this.rowAtAddress(address);
    return r ? { start: r.start, end: r.end } : undefined;
  }

  /** Addresses in [lo, hi) where a statement row starts, in order. */
  statementStarts(lo: number, hi: number): number[] {
    const out: number[] = [];
    const ranges = this.rows.rowsAt(lo);
    let i = indexIn(ranges, lo);
    if (i < 0) { i = ranges.findIndex((r) => r.start >= lo); if (i < 0) return out; }
    for (; i < ranges.length && ranges[i]!.start < hi; i++) if (ranges[i]!.isStmt && ranges[i]!.start >= lo) out.push(ranges[i]!.start);
    return out;
  }

  private rowAtAddress(address: number): LineRow | undefined {
    const ranges = this.rows.rowsAt(address);
    const i = indexIn(ranges, address);
    return i < 0 ? undefined : ranges[i];
  }

  /**
   * The line a debugger stopped at `address` shows, as gdb does: of several rows at one address
   * (gcc's location views), the last statement's. lookup() gives the last row's, as addr2line.
   */
  stopLine(address: number): SourceLine | undefined {
    const r = this.rowAtAddress(address);
    if (!r) return undefined;
    const last = r.start === address ? r.stmts?.[r.stmts.length - 1] : undefined;
    return last ? { ...last } : { file: r.file, line: r.line };
  }

  lookup(address: number): SourceLine | undefined {
    const r = this.rowAtAddress(address);
    return r ? { file: r.file, line: r.line } : undefined;
  }
}

/** The index of the row holding `address` in sorted rows, or -1. */
function indexIn(r: readonly LineRow[], address: number): number {
  let lo = 0, hi = r.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r[mid]!.start <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best >= 0 && address < r[best]!.end ? best : -1;
}
