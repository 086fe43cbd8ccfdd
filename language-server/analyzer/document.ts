// An analysed document. Assembly keeps one LineFacts per line and reparses only the lines an
// edit touches (plus following lines whose start state changed, e.g. an opened /* comment).
// C/C++ rescans from a sync point before an edit until the scan falls back into step with the
// previous one after it (c-inline.ts); statements beyond are kept and moved.

import { classify, entryForBits } from '../../emulator/isa';
import { asmMsrBefore, cMsr } from './msr';
import type { IsaEntry } from '../../emulator/isa';
import { scanInlineAsm, shiftStatement, type CAsmStmt, type ScanResult, type SyncPoint } from './c-inline';
import { parseGasLine } from './gas-line';
import { parseNasmLine } from './nasm-line';
import { HAS_BITS, HAS_TARGET, LineFlags } from './line-flags';
import { cBitsSwitches, countReg64, definesBits, gasLineBits, markerBits, nasmLineBits, pathBits, type Bits, type BitsSwitch } from './bitness';
import { WordIndex } from './word-index';
import { detectSyntax, type SyntaxInfo } from './syntax';
import type { LineFacts, LineInstr, Range, Syntax, Target } from './types';
import type { ReachRegion } from './c-asm-reach';
import type { DefineSet } from './preprocessor';

/** An occurrence of a table instruction, with everything the rules and fixes need. */
export interface Hit {
  entry: IsaEntry;
  instr: LineInstr;
  range: Range;
  /** Asm: the line; C: the line of the mnemonic. */
  line: number;
  ignore: boolean;
  c: CAsmStmt | null;
  /** The mode the code runs in (16, 32 or 64; absent: 32): `entry` is the table read for it. */
  bits?: Bits;
}

export interface ChangeEvent { range?: Range; text: string }

/**
 * Lines split at \n only; a \r of a CRLF ending stays at the end of its line (parsers treat it
 * as blank), so columns and the text round-trip exactly whatever ranges the client sends.
 */
function splitLines(text: string): string[] {
  return text.split('\n');
}

/** Line start offsets after lines [sl, sl + removed) became `inserted` and later text moved by `delta`. */
function shiftedLineStarts(old: Int32Array, sl: number, removed: number, inserted: string[], delta: number): Int32Array {
  const out = new Int32Array(old.length - removed + inserted.length);
  out.set(old.subarray(0, sl + 1), 0);
  let o = old[sl];
  for (let k = 1; k < inserted.length; k++) { o += inserted[k - 1].length + 1; out[sl + k] = o; }
  for (let k = sl + removed; k < old.length; k++) out[k - removed + inserted.length] = old[k] + delta;
  return out;
}

/** arr.splice(at, remove, ...items) without passing a pasted file's lines as call arguments. */
function spliceInto<T>(arr: T[], at: number, remove: number, items: T[]): void {
  if (items.length < 10_000) { arr.splice(at, remove, ...items); return; }
  const rest = arr.splice(at, arr.length - at);
  for (const x of items) arr.push(x);
  for (let i = remove; i < rest.length; i++) arr.push(rest[i]);
}

export class AnalyzedDocument {
  readonly syntax: Syntax;
  readonly cpp: boolean;
  lines: string[] = [];
  facts: LineFacts[] = [];
  /** What each line of `facts` holds, kept in step with it. */
  private readonly flags = new LineFlags();
  /** Lines changed since takeChanges() was last called (null: all of them). */
  private changes: { from: number; to: number; shift: number } | null = null;
  /** C only. */
  cStmts: CAsmStmt[] = [];
  /** C: the statements built from the last reach regions asked for, while text and regions are the same. */
  private cReach: { key: string; stmts: CAsmStmt[] } | null = null;
  private lineStarts: Int32Array = new Int32Array(1);
  /** C: the text, joined from `lines` when asked for (an edit does not build it). */
  private cText: string | null = '';
  /** C: where the last scan can be resumed (see c-inline.ts). */
  private cSync: SyncPoint[] = [];
  /** C: occurrences of the words the target comment and #include lines start with. */
  private readonly cParavirt = new WordIndex('paravirt');
  readonly cInclude = new WordIndex('include');
  /** Lines beyond the cap are kept as text but not analysed. */
  readonly maxLines: number;
  /** Bumped on every edit; keys what is derived from the whole text (the mode switches). */
  private revision = 0;
  /** Lines that name a 64-bit register (bitness.ts), kept up to date by every edit. */
  private reg64Lines = 0;
  private bitsCache: { revision: number; defines: Bits | 0; switches: BitsSwitch[]; fallback: Bits; key: string } | null = null;
  truncated = false;

  constructor(readonly path: string, text: string, info: SyntaxInfo, maxLines = 1_000_000) {
    this.syntax = info.syntax;
    this.cpp = info.cpp;
    this.maxLines = maxLines;
    this.setText(text);
  }

  static create(path: string, text: string, languageId?: string, maxLines?: number): AnalyzedDocument | null {
    const info = detectSyntax(path, languageId, text);
    return info ? new AnalyzedDocument(path, text, info, maxLines) : null;
  }

  get lineCount(): number { return this.lines.length; }

  getText(): string {
    if (this.syntax !== 'c') return this.lines.join('\n');
    return this.cText ??= this.lines.join('\n');
  }

  /** C: the length of the text. */
  private get cLength(): number {
    const last = this.lines.length - 1;
    return this.lineStarts[last] + this.lines[last].length;
  }

  /** C: text offsets [from, to), from the lines around them (no whole-text string is built). */
  textRange(from: number, to: number): string {
    if (this.syntax !== 'c') return this.getText().slice(from, to);
    return this.cSlice(from, to);
  }

  private cSlice(from: number, to: number): string {
    if (this.cText !== null) return this.cText.slice(from, to);
    const l0 = this.positionAt(from).line, l1 = this.positionAt(Math.max(from, to - 1)).line;
    const base = this.lineStarts[l0];
    return this.lines.slice(l0, l1 + 1).join('\n').slice(from - base, to - base);
  }

  setText(text: string): void {
    this.revision++;
    this.lines = splitLines(text);
    this.reg64Lines = countReg64(this.lines, 0, this.lines.length);
    if (this.syntax === 'c') { this.reparseC(text); return; }
    const n = Math.min(this.lines.length, this.maxLines);
    this.truncated = this.lines.length > this.maxLines;
    const facts: LineFacts[] = [];
    let state = 0;
    for (let i = 0; i < n; i++) {
      const f = this.parseLine(this.lines[i], state);
      facts.push(f);
      state = f.endState;
    }
    this.facts = facts;
    this.flags.reset(facts);
    this.changes = null;
  }

  /** Apply one LSP-style change (no range = whole text). Returns the first and last reparsed lines. */
  applyChange(ev: ChangeEvent): { first: number; last: number } {
    if (!ev.range) { this.setText(ev.text); return { first: 0, last: this.lines.length - 1 }; }
    this.revision++;
    const { start, end } = ev.range;
    const sl = Math.max(0, Math.min(start.line, this.lines.length - 1));
    const el = Math.max(sl, Math.min(end.line, this.lines.length - 1));
    const head = this.lines[sl].slice(0, Math.max(0, start.character));
    const tail = this.lines[el].slice(Math.max(0, end.line > el ? this.lines[el].length : end.character));
    const inserted = splitLines(head + ev.text + tail);
    this.reg64Lines += countReg64(inserted, 0, inserted.length) - countReg64(this.lines, sl, el + 1);
    if (this.syntax === 'c') {
      const a = this.lineStarts[sl] + head.length;
      const b = this.lineStarts[el] + this.lines[el].length - tail.length;
      spliceInto(this.lines, sl, el - sl + 1, inserted);
      this.editC(a, b, ev.text, sl, el - sl + 1, inserted);
      return { first: 0, last: this.lines.length - 1 };
    }
    spliceInto(this.lines, sl, el - sl + 1, inserted);
    return this.reparseAsm(sl, el - sl + 1, inserted.length);
  }

  private reparseAsm(sl: number, removed: number, added: number): { first: number; last: number } {
    const cap = this.maxLines;
    // At the line cap, lines enter or leave the analysed range at its end as well: a second
    // changed region, so the next analysis starts over.
    if (this.truncated || this.lines.length > cap) this.changes = null;
    this.truncated = this.lines.length > cap;
    const before = this.facts.length;
    if (sl >= cap) { this.truncateFacts(cap); return { first: sl, last: sl - 1 }; }
    let state = sl > 0 ? this.facts[sl - 1].endState : 0;
    const fresh: LineFacts[] = [];
    const stop = Math.min(sl + added, cap);
    for (let i = sl; i < stop; i++) {
      const f = this.parseLine(this.lines[i], state);
      fresh.push(f);
      state = f.endState;
    }
    const gone = Math.min(removed, Math.max(0, this.facts.length - sl));
    spliceInto(this.facts, sl, gone, fresh);
    this.flags.splice(sl, gone, fresh);
    // Continue while the carried state differs from what the next cached line started with.
    let i = stop;
    const n = Math.min(this.lines.length, cap);
    while (i < n && (i >= this.facts.length || this.facts[i].startState !== state)) {
      const f = this.parseLine(this.lines[i], state);
      this.facts[i] = f;
      this.flags.set(i, f);
      state = f.endState;
      i++;
    }
    // Lines that a deletion brought under the cap.
    for (let k = this.facts.length; k < n; k++) {
      const f = this.parseLine(this.lines[k], k > 0 ? this.facts[k - 1].endState : 0);
      this.facts.push(f);
      this.flags.set(k, f);
    }
    this.truncateFacts(n);
    this.noteChange(sl, Math.min(i, this.facts.length), this.facts.length - before);
    return { first: sl, last: i - 1 };
  }

  /**
   * Asm: facts lines [from, to) are new and later lines moved by `shift` (current = old +
   * shift); merged with earlier changes not yet taken, so the region covers them all.
   */
  private noteChange(from: number, to: number, shift: number): void {
    const c = this.changes;
    if (c === null) return; // everything is new anyway
    if (c.from === c.to && c.shift === 0) { this.changes = { from, to, shift }; return; }
    // Where a line of the earlier region's end lands after this change.
    const oldEnd = to - shift;
    const mappedTo = c.to < from ? c.to : c.to >= oldEnd ? c.to + shift : to;
    this.changes = { from: Math.min(c.from, from), to: Math.max(mappedTo, to), shift: c.shift + shift };
  }

  /**
   * Asm: what changed since the previous call: facts lines [from, to) are new, the lines
   * after them are the previous ones moved by `shift`. null: treat every line as new.
   */
  takeChanges(): { from: number; to: number; shift: number } | null {
    const c = this.changes;
    this.changes = { from: 0, to: 0, shift: 0 };
    return c;
  }

  private truncateFacts(n: number): void {
    if (this.facts.length > n) { this.facts.length = n; this.flags.truncate(n); }
  }

  /** Asm: the first line at or after `from` whose facts hold `flag` (line-flags.ts), or -1. */
  nextLineWith(flag: number, from = 0): number { return this.syntax === 'c' ? -1 : this.flags.next(flag, from); }

  /** Asm: how many lines hold `flag`. */
  linesWith(flag: number): number { return this.syntax === 'c' ? 0 : this.flags.count(flag); }

  private parseLine(s: string, state: number): LineFacts {
    const nasm = this.syntax === 'nasm';
    const f = nasm ? parseNasmLine(s) : parseGasLine(s, state, this.cpp);
    // A mode directive or marker (bitness.ts) is never an ordinary line, so the test is rare.
    if (f.startState === f.endState && f.instrs === null && f.defs === null && f.include === null && f.section === null
      && !f.ignore && !f.target && !f.macroOpen && !f.macroClose && s.indexOf('paravirt') < 0 && !/bits|use|\.code/i.test(s)) return f;
    const bits = nasm ? nasmLineBits(s) : gasLineBits(s);
    return bits ? { ...f, bits } : f;
  }

  private reparseC(text: string): void {
    this.cText = text;
    this.cParavirt.reset(text);
    this.cInclude.reset(text);
    const starts: number[] = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = Int32Array.from(starts);
    this.truncated = starts.length > this.maxLines;
    const limit = this.truncated ? this.lineStarts[this.maxLines] : text.length;
    const scan = scanInlineAsm(limit < text.length ? text.slice(0, limit) : text);
    this.cStmts = scan.stmts;
    this.cSync = this.truncated ? [] : scan.sync;
  }

  /**
   * C: replace offsets [a, b) with `text` (lines [sl, sl + removed) became `inserted`).
   * Rescans from the last sync point that read nothing at or after `a`, and stops as soon as
   * the scan stands where the previous scan stood after the edit: statements beyond are the
   * previous ones, moved. Near the line cap the whole text is rescanned.
   */
  private editC(a: number, b: number, text: string, sl: number, removed: number, inserted: string[]): void {
    const oldSync = this.cSync;
    if (this.truncated || this.lines.length > this.maxLines || oldSync.length === 0) { this.reparseC(this.lines.join('\n')); return; }
    const delta = text.length - (b - a);
    this.cText = null;
    this.lineStarts = shiftedLineStarts(this.lineStarts, sl, removed, inserted, delta);
    const length = this.cLength;
    for (const w of [this.cParavirt, this.cInclude]) {
      const from = Math.max(0, a - w.word.length + 1), to = Math.min(length, a + text.length + w.word.length - 1);
      w.edit(this.cSlice(from, to), from, a, b, text.length);
    }
    // Restart: the last sync point whose scan read only text before the edit.
    let r = -1;
    for (let lo = 0, hi = oldSync.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (oldSync[mid].at < a) { r = mid; lo = mid + 1; } else hi = mid - 1;
    }
    while (r >= 0 && oldSync[r].reach > a) r--;
    const from = r >= 0 ? oldSync[r].at : 0;
    // Scan a window of the new text from there; it must fall back into step with the old scan
    // (at an old sync point past the edit, lookbehind included, at its moved offset) with
    // everything it read inside the window, else the window grows.
    let first = 0;
    while (first < oldSync.length && oldSync[first].at <= b) first++;
    let scan: ScanResult;
    let j = first;
    for (let span = 1 << 14; ; span *= 4) {
      const end = Math.min(length, a + text.length + span);
      const window = this.cSlice(from, end);
      j = first;
      scan = scanInlineAsm(window, 0, (i) => {
        while (j < oldSync.length && oldSync[j].at + delta < i + from) j++;
        return j < oldSync.length && oldSync[j].at + delta === i + from;
      });
      if (end === length || (scan.stoppedAt >= 0 && scan.reach <= window.length)) break;
    }
    for (const st of scan.stmts) shiftStatement(st, from);
    const old = this.cStmts;
    const stmts = old.filter((st) => st.kwStart < from);
    for (const st of scan.stmts) stmts.push(st);
    const sync = oldSync.slice(0, Math.max(0, r));
    for (const p of scan.sync) sync.push({ at: p.at + from, reach: p.reach + from });
    if (scan.stoppedAt >= 0) {
      const p = scan.stoppedAt + from - delta;
      for (const st of old) if (st.kwStart >= p) { shiftStatement(st, delta); stmts.push(st); }
      for (let k = j; k < oldSync.length; k++) sync.push({ at: oldSync[k].at + delta, reach: oldSync[k].reach + delta });
    }
    this.cStmts = stmts;
    this.cSync = sync;
  }

  /** C: asm text that macros bring into asm statements (c-asm-reach.ts), parsed once per text and regions. */
  reachStatements(regions: ReachRegion[], build: (text: string, regions: ReachRegion[]) => CAsmStmt[]): CAsmStmt[] {
    let key = `${this.cLength}`;
    for (const r of regions) key += `,${r.from}-${r.to}`;
    const text = this.getText();
    if (this.cReach && this.cReach.key === key && this.cReachText === text) return this.cReach.stmts;
    this.cReachText = text;
    this.cReach = { key, stmts: build(text, regions) };
    return this.cReach.stmts;
  }
  private cReachText = '';

  /** C: file offset -> position. */
  positionAt(offset: number): { line: number; character: number } {
    const ls = this.lineStarts;
    let lo = 0, hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - ls[lo] };
  }

  offsetAt(pos: { line: number; character: number }): number {
    if (this.syntax === 'c') return (this.lineStarts[pos.line] ?? this.cLength) + pos.character;
    let off = 0;
    for (let i = 0; i < pos.line && i < this.lines.length; i++) off += this.lines[i].length + 1;
    return off + pos.character;
  }

  /** The `paravirt: target=` comment, first one wins. */
  targetOverride(): Target | null {
    if (this.syntax === 'c') {
      // As in assembly comments: the word `paravirt` as written, then the rest in any case, on
      // one line. Its occurrences are kept across edits (word-index.ts): no whole-text scan.
      const re = /paravirt:\s*target\s*=\s*(pvh|pv|hvm)(?:16|32|64)?\b/iy;
      for (const at of this.cParavirt.positions) {
        const p = this.positionAt(at);
        re.lastIndex = p.character;
        const m = re.exec(this.lines[p.line]);
        if (m) return m[1].toLowerCase() as Target;
      }
      return null;
    }
    const line = this.flags.next(HAS_TARGET, 0);
    return line < 0 ? null : this.facts[line].target;
  }

  /**
   * The mode switches of the text (bitness.ts says what counts), the mode before the first
   * one, and a key that changes whenever either does. `defines`: the build's mode (C).
   */
  private modeSwitches(defines: Bits | 0): NonNullable<AnalyzedDocument['bitsCache']> {
    const c = this.bitsCache;
    if (c && c.revision === this.revision && c.defines === defines) return c;
    const lines = this.lines;
    let switches: BitsSwitch[] = [];
    let fallback: Bits = 32;
    if (this.syntax === 'c') {
      switches = cBitsSwitches(lines);
      let marker: Bits | 0 = 0;
      for (const at of this.cParavirt.positions) { marker = markerBits(this.lines[this.positionAt(at).line]); if (marker) break; }
      fallback = marker || defines || (this.reg64Lines > 0 ? 64 : pathBits(this.path) || 32);
    } else {
      for (let i = this.flags.next(HAS_BITS, 0); i >= 0; i = this.flags.next(HAS_BITS, i + 1)) switches.push({ line: i, bits: this.facts[i].bits! });
      // Before the first directive: what the registers say.
      // A .S file is built by the C compiler with the project's flags: its defines count too.
      fallback = this.reg64Lines > 0 ? 64 : (this.cpp ? defines : 0) || pathBits(this.path) || 32;
    }
    const key = `${fallback}:${switches.map((w) => `${w.line}=${w.bits}`).join(',')}`;
    const next = { revision: this.revision, defines, switches, fallback, key };
    this.bitsCache = next;
    return next;
  }

  /** The mode (16, 32 or 64) the code at `line` runs in. */
  bitsAt(line: number, defines?: DefineSet): Bits {
    const c = this.modeSwitches(definesBits(defines));
    let b: Bits | 0 = 0;
    for (const w of c.switches) { if (w.line > line) break; b = w.bits; }
    return b || c.fallback;
  }

  /** The mode of lines no directive or region decides (C: per statement, with bitsAt). */
  bitsFallback(defines?: DefineSet): Bits { return this.modeSwitches(definesBits(defines)).fallback; }

  /** Changes whenever the mode of some line may have changed (for caches of findings). */
  bitsKey(defines?: DefineSet): string { return this.modeSwitches(definesBits(defines)).key; }

  /** A `paravirt: ignore` comment on the line silences findings there. */
  lineIgnored(line: number): boolean {
    if (this.syntax !== 'c') return !!this.facts[line]?.ignore;
    const text = this.lines[line];
    return text !== undefined && text.includes('paravirt') && /paravirt:\s*ignore\b/.test(text);
  }

  /** Every table instruction in the document, in order. */
  hits(): Hit[] {
    const out: Hit[] = [];
    if (this.syntax !== 'c') {
      const facts = this.facts;
      for (let line = 0; line < facts.length; line++) {
        const f = facts[line];
        if (!f.instrs) continue;
        for (const instr of f.instrs) {
          const msr = instr.mnemonic === 'wrmsr' || instr.mnemonic === 'rdmsr' ? asmMsrBefore(this.lines, line, this.syntax === 'gas') : undefined;
          const base = classify(instr.mnemonic, instr.ops, msr);
          if (!base) continue;
          const bits = this.bitsAt(line);
          out.push({
            entry: entryForBits(base, bits), instr, line, ignore: f.ignore, c: null, bits,
            range: { start: { line, character: instr.start }, end: { line, character: instr.end } },
          });
        }
      }
      return out;
    }
    for (const st of this.cStmts) {
      for (const { instr } of st.instrs) {
        const msr = instr.mnemonic === 'wrmsr' || instr.mnemonic === 'rdmsr' ? cMsr(st) : undefined;
        const base = classify(instr.mnemonic, instr.ops, msr);
        if (!base) continue;
        const start = this.positionAt(st.map[instr.start]);
        const end = this.positionAt(st.map[instr.end - 1] + 1);
        const bits = this.bitsAt(start.line);
        out.push({ entry: entryForBits(base, bits), instr, line: start.line, ignore: this.lineIgnored(start.line), c: st, range: { start, end }, bits });
      }
    }
    return out;
  }
}
