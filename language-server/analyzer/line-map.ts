// Where a line of a file as it was run is now, after the edits made in the editor since: the
// exit profile names lines of the file the program was built from, and its annotations should
// stay on their instruction while the user types above it (or disappear with it).

/** One edit in line terms: old lines [from, to] became `lines` lines starting at `from`. */
export interface LineEdit {
  from: number;
  to: number;
  lines: number;
  /** Only blanks preceded the edit on line `from`: that line's content went with it. */
  blankBefore: boolean;
  /** The edit ended at the start of line `to`: that line is whole after it. */
  toStart: boolean;
}

export class LineMap {
  private edits: LineEdit[] = [];

  reset(): void { this.edits = []; }

  note(e: LineEdit): void {
    // Typing within one line moves nothing.
    if (e.from === e.to && e.lines === 1) return;
    this.edits.push(e);
  }

  /** The current line of an original line, or null when the line was removed. */
  map(line: number): number | null {
    let l = line;
    for (const e of this.edits) {
      if (l < e.from) continue;
      if (l > e.to) { l += e.lines - (e.to - e.from + 1); continue; }
      const last = e.from + e.lines - 1;
      if (e.from === e.to) {
        // Enter before the first non-blank pushes the line down; elsewhere it stays.
        if (e.blankBefore) l = last;
        continue;
      }
      if (l === e.from) { if (e.blankBefore) return null; continue; }
      if (l === e.to && e.toStart) { l = last; continue; }
      return null;
    }
    return l;
  }
}
