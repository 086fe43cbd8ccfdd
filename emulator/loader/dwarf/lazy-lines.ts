// A line table decoded one unit's program at a time (for a vmlinux's 16 MB of .debug_line): an
// address finds its unit through .debug_aranges (lazy-units.ts) and decodes that program only;
// a file finds the programs whose file tables name it, from their headers alone.

import type { LazyUnits } from './lazy-units';
import { readLineHeader } from './line-files';
import { decodeLineProgram, type LineRow, type LineRows, type LineStrings } from './line-table';
import { Cursor } from './reader';

export class LazyLineRows implements LineRows {
  private readonly decoded = new Map<number, LineRow[]>();
  /** Each program's file table, by its .debug_line offset (read on the first file lookup). */
  private headers: Map<number, string[]> | null = null;
  private rowCount = 0;

  constructor(private readonly lineSection: () => Uint8Array | undefined, private readonly strings: LineStrings, private readonly units: LazyUnits) {}

  rowsAt(address: number): readonly LineRow[] {
    const p = this.units.lineProgramAt(address);
    return p ? this.program(p.offset, p.compDir) : [];
  }

  rowsNaming(matches: (file: string) => boolean): Array<readonly LineRow[]> {
    const out: LineRow[][] = [];
    // Each distinct name is asked once (the tables repeat a header's name hundreds of times).
    const asked = new Map<string, boolean>();
    const match = (f: string): boolean => {
      let m = asked.get(f);
      if (m === undefined) { m = f !== '' && matches(f); asked.set(f, m); }
      return m;
    };
    for (const [offset, files] of this.fileTables()) {
      if (files.some(match)) out.push(this.program(offset, this.compDirs.get(offset) ?? ''));
    }
    return out;
  }

  files(): string[] {
    const all = new Set<string>();
    for (const files of this.fileTables().values()) for (const f of files) if (f) all.add(f);
    return [...all];
  }

  get size(): number { return this.rowCount; }

  /** Compilation directories for pre-DWARF-5 programs, learnt as units are met. */
  private readonly compDirs = new Map<number, string>();

  private program(offset: number, compDir: string): LineRow[] {
    let rows = this.decoded.get(offset);
    if (rows) return rows;
    if (compDir) this.compDirs.set(offset, compDir);
    const line = this.lineSection();
    rows = line ? decodeLineProgram(line, offset, compDir, this.strings) : [];
    this.decoded.set(offset, rows);
    this.rowCount += rows.length;
    return rows;
  }

  private fileTables(): Map<number, string[]> {
    if (this.headers) return this.headers;
    const out = new Map<number, string[]>();
    const data = this.lineSection();
    const memoStrings: LineStrings = { ...this.strings, memo: { strings: new Map(), paths: new Map() } };
    if (data) {
      for (let pos = 0; pos + 4 <= data.length;) {
        let next: number;
        try { next = new Cursor(data, pos, data.length, '.debug_line').unitLength().end; } catch { break; }
        // DWARF 5 headers name their compilation directory themselves; older ones get it when their unit is met.
        try { out.set(pos, readLineHeader(data, pos, this.compDirs.get(pos) ?? '', memoStrings).files); } catch { /* a damaged header: its unit cannot be found by file */ }
        pos = next;
      }
    }
    this.headers = out;
    return out;
  }

  /** Forgets decoded programs (the section was relocated). */
  clear(): void { this.decoded.clear(); this.rowCount = 0; }
}
