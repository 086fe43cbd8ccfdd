// One GAS line -> LineFacts. The line's start state carries what earlier lines leave open:
// bit 0 an unterminated /* comment, bit 1 `.intel_syntax` in force. The same statement parser
// serves inline asm templates (see c-inline.ts), which is why it works on a masked string.

import { classify, isTableMnemonic, stripAttSuffix, tableMnemonics } from '../../emulator/isa';
import type { LineDef, LineFacts, LineInstr, Target } from './types';
import { SPECIAL_OPERAND } from './nasm-line';
import { byteList, decodeTableInstruction } from './byte-decode';
import { commentDirectives, GAS_PREFIXES, isIdentChar, isIdentStart, isSpace, normalizeOperand, splitOperands } from './operands';

export const IN_COMMENT = 1;
export const INTEL = 2;

const EMPTY: LineFacts[] = [0, 1, 2, 3].map((st) => Object.freeze({
  startState: st, endState: st, instrs: null, defs: null, include: null, section: null,
  macroOpen: false, macroClose: false, ignore: false, target: null,
}) as LineFacts);

const SECTION_DIRS = new Set(['.text', '.data', '.bss', '.rodata']);

/**
 * Blank out comments (keeping columns) and report the comment text and end state.
 * `cpp`: a line whose first non-blank is `#` is a preprocessor line (returned as such).
 */
function maskComments(s: string, state: number): { code: string; comments: string; state: number } {
  let out = '';
  let comments = '';
  let last = 0;
  let i = 0;
  let inBlock = (state & IN_COMMENT) !== 0;
  let quote = 0;
  while (i < s.length) {
    if (inBlock) {
      const e = s.indexOf('*/', i);
      const stop = e < 0 ? s.length : e + 2;
      comments += s.slice(i, stop);
      out += s.slice(last, i) + ' '.repeat(stop - i);
      last = i = stop;
      if (e < 0) break;
      inBlock = false;
      continue;
    }
    const c = s.charCodeAt(i);
    if (quote) { if (c === 92) i++; else if (c === quote) quote = 0; i++; continue; }
    if (c === 34) { quote = c; i++; continue; }
    if (c === 47 && s.charCodeAt(i + 1) === 42) { inBlock = true; continue; }
    if (c === 35 || (c === 47 && s.charCodeAt(i + 1) === 47)) {
      comments += s.slice(i);
      out += s.slice(last, i) + ' '.repeat(s.length - i);
      last = i = s.length;
      break;
    }
    i++;
  }
  out += s.slice(last);
  return { code: out, comments, state: (state & ~IN_COMMENT) | (inBlock ? IN_COMMENT : 0) };
}

function readIdent(s: string, i: number, end: number): number {
  while (i < end && isIdentChar(s.charCodeAt(i))) i++;
  return i;
}
function skipWs(s: string, i: number, end: number): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

export interface GasStmtResult {
  instr: LineInstr | null;
  defs: LineDef[] | null;
  include: { path: string; start: number; end: number } | null;
  section: string | null;
  macroOpen: boolean;
  macroClose: boolean;
  intel: boolean;
  /** Directive or mnemonic name (lower case), '' when the statement is only labels. */
  word: string;
}

/**
 * Parse one GAS statement in `s[from, to)` (comments already removed). `intel` says whether
 * `.intel_syntax` is in force. Labels and directives are recognised before the mnemonic.
 */
export function parseGasStatement(s: string, from: number, to: number, intel: boolean): GasStmtResult {
  const r: GasStmtResult = { instr: null, defs: null, include: null, section: null, macroOpen: false, macroClose: false, intel, word: '' };
  let i = skipWs(s, from, to);
  for (;;) { // labels: `name:` or `1:`
    if (i >= to) return r;
    const e = readIdent(s, i, to);
    if (e === i) return r;
    const j = skipWs(s, e, to);
    if (s.charCodeAt(j) === 58 && s.charCodeAt(j + 1) !== 58) {
      const name = s.slice(i, e);
      if (!/^[0-9]+$/.test(name)) (r.defs ??= []).push({ name, kind: name.startsWith('.L') ? 'local-label' : 'label', start: i, end: e });
      i = skipWs(s, j + 1, to);
      continue;
    }
    break;
  }
  let w0 = i, w1 = readIdent(s, i, to);
  let word = s.slice(w0, w1);
  let lower = word.toLowerCase();
  r.word = lower;
  let j = skipWs(s, w1, to);
  if (s.charCodeAt(j) === 61 && s.charCodeAt(j + 1) !== 61) { // NAME = value
    (r.defs ??= []).push({ name: word, kind: 'constant', start: w0, end: w1 });
    return r;
  }
  if (lower.startsWith('.')) {
    const a = j, b = readIdent(s, a, to);
    if (lower === '.macro') {
      r.macroOpen = true;
      if (b > a) (r.defs ??= []).push({ name: s.slice(a, b), kind: 'macro', start: a, end: b });
    } else if (lower === '.endm' || lower === '.endmacro') r.macroClose = true;
    else if (lower === '.set' || lower === '.equ' || lower === '.equiv' || lower === '.eqv') {
      if (b > a) (r.defs ??= []).push({ name: s.slice(a, b), kind: 'constant', start: a, end: b });
    } else if (lower === '.include') {
      const m = /^\s*"([^"]+)"/.exec(s.slice(w1, to));
      if (m) { const p = s.indexOf(m[1], w1); r.include = { path: m[1], start: p, end: p + m[1].length }; }
    } else if (lower === '.section') r.section = s.slice(a, b) || null;
    else if (SECTION_DIRS.has(lower)) r.section = lower;
    else if (lower === '.intel_syntax') r.intel = true;
    else if (lower === '.att_syntax') r.intel = false;
    else if (lower === '.byte') r.instr = byteInstruction(s, w0, w1, to);
    return r;
  }
  const stmtStart = w0;
  let prefixed = false;
  while (GAS_PREFIXES.has(lower) && j < to && isIdentStart(s.charCodeAt(j))) {
    prefixed = true;
    w0 = j; w1 = readIdent(s, j, to); word = s.slice(w0, w1); lower = word.toLowerCase(); j = skipWs(s, w1, to);
  }
  const mnemonic = intel ? lower : stripAttSuffix(lower);
  r.word = mnemonic;
  if (!isTableMnemonic(mnemonic)) return r;
  if ((mnemonic === 'mov' || mnemonic === 'push') && !SPECIAL_OPERAND.test(s.slice(w1, to))) return r;
  let end = to;
  while (end > w1 && isSpace(s.charCodeAt(end - 1))) end--;
  const rawOps = splitOperands(s, w1, end);
  // In AT&T syntax a register is always written with `%` (`%%` in an extended asm template):
  // a bare `cr3` is a symbol, so `mov cr3, %rax` loads memory.
  const ops = rawOps.map((o) => (intel || o.text.charCodeAt(0) === 37 ? normalizeOperand(o.text) : `mem:${o.text.toLowerCase()}`));
  if (!intel) ops.reverse();
  if (classify(mnemonic, ops)) {
    r.instr = { start: stmtStart, end, mStart: w0, mEnd: w1, mnemonic, raw: word, prefixed, ops, rawOps, intel };
  }
  return r;
}

/** `.byte` with a list that encodes one table instruction (xsetbv, monitor, ...): that instruction. */
function byteInstruction(s: string, w0: number, w1: number, to: number): LineInstr | null {
  let end = to;
  while (end > w1 && isSpace(s.charCodeAt(end - 1))) end--;
  const bytes = byteList(s.slice(w1, end));
  const d = bytes && decodeTableInstruction(bytes);
  if (!d || !classify(d.mnemonic, d.ops)) return null;
  return { start: w0, end, mStart: w0, mEnd: w1, mnemonic: d.mnemonic, raw: '.byte', prefixed: false, ops: d.ops, rawOps: splitOperands(s, w1, end), intel: true };
}

/** Statement boundaries within `s[from, to)`: `;` outside quotes. */
export function statementBounds(s: string, from: number, to: number, out: number[]): void {
  let quote = 0;
  let a = from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (quote) { if (c === 92) i++; else if (c === quote) quote = 0; continue; }
    if (c === 34) quote = c;
    else if (c === 59) { out.push(a, i); a = i + 1; }
  }
  out.push(a, to);
}

/** Case-folded hash of an identifier (same as the NASM parser's), for allocation-free checks. */
function foldHash(w: string): number {
  let h = 0;
  for (let i = 0; i < w.length; i++) h = (Math.imul(h, 31) + (w.charCodeAt(i) | 32)) | 0;
  return h;
}
const SPECIAL_HASHES = new Set<number>();
for (const m of [...tableMnemonics(), ...GAS_PREFIXES]) for (const suf of ['', 'b', 'w', 'l', 'q']) SPECIAL_HASHES.add(foldHash(m + suf));

/**
 * The common GAS line — `<indent> mnemonic operands [# comment]` with an ordinary mnemonic,
 * no statement separator and no block comment — contributes nothing; recognise it without
 * allocating.
 */
function isOrdinary(s: string, state: number, cpp: boolean): boolean {
  if (state & IN_COMMENT) return false;
  const len = s.length;
  let i = 0;
  while (i < len && isSpace(s.charCodeAt(i))) i++;
  if (i === len) return true;
  let c = s.charCodeAt(i);
  if (c === 35) return !cpp && s.indexOf('paravirt', i) < 0 && s.indexOf('/*', i) < 0;
  if (((c | 32) < 97 || (c | 32) > 122) && c !== 95) return false;
  const a = i;
  let h = 0;
  while (i < len) {
    c = s.charCodeAt(i);
    if (!((c | 32) >= 97 && (c | 32) <= 122) && !(c >= 48 && c <= 57) && c !== 95) break;
    h = (Math.imul(h, 31) + (c | 32)) | 0;
    i++;
  }
  if (i < len && !isSpace(c) && c !== 35) return false; // label, assignment, odd identifier
  if (SPECIAL_HASHES.has(h)) {
    const w = s.slice(a, i).toLowerCase();
    const m = (state & INTEL) ? w : stripAttSuffix(w);
    if (GAS_PREFIXES.has(w) || isTableMnemonic(w) || isTableMnemonic(m)) {
      if (!((m === 'mov' || m === 'push') && !SPECIAL_OPERAND.test(s))) return false;
    }
  }
  let j = i;
  while (j < len && isSpace(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) === 61 || s.charCodeAt(j) === 58) return false; // `x = 1`, `x :`
  return s.indexOf(';', i) < 0 && s.indexOf('"', i) < 0 && s.indexOf('/*', i) < 0 && s.indexOf('paravirt', i) < 0;
}

export function parseGasLine(s: string, state: number, cpp: boolean): LineFacts {
  return isOrdinary(s, state, cpp) ? EMPTY[state & 3] : parseGasLineFull(s, state, cpp);
}

/** The full parse, without the ordinary-line shortcut (exported so tests can compare the two). */
export function parseGasLineFull(s: string, state: number, cpp: boolean): LineFacts {
  if (s.length === 0) return EMPTY[state & 3];
  let first = 0;
  while (first < s.length && isSpace(s.charCodeAt(first))) first++;
  if (first === s.length) return EMPTY[state & 3];
  let cppDefs: LineDef[] | null = null;
  if (cpp && !(state & IN_COMMENT) && s.charCodeAt(first) === 35) {
    const cppFacts = parseCppLine(s, first, state);
    // A #define's body is assembly wherever the macro is used: read it as such, in place.
    const body = defineBodyStart(s, first);
    if (body < 0) return cppFacts;
    cppDefs = cppFacts.defs;
    s = ' '.repeat(body) + s.slice(body);
  }
  const { code, comments, state: endState0 } = maskComments(s, state);
  let ignore = false, target: Target | null = null;
  if (comments) ({ ignore, target } = commentDirectives(comments));
  let intel = (state & INTEL) !== 0;
  let instrs: LineInstr[] | null = null, defs: LineDef[] | null = null;
  let include: LineFacts['include'] = null, section: string | null = null;
  let macroOpen = false, macroClose = false;
  const bounds: number[] = [];
  statementBounds(code, 0, code.length, bounds);
  for (let k = 0; k < bounds.length; k += 2) {
    const r = parseGasStatement(code, bounds[k], bounds[k + 1], intel);
    intel = r.intel;
    if (r.instr) (instrs ??= []).push(r.instr);
    else if (!r.word.startsWith('.')) {
      // A macro invocation's string arguments (ALTERNATIVE "", "pushf; pop %rax", ...) are
      // instructions the macro emits.
      for (const i of stringInstructions(code, bounds[k], bounds[k + 1], intel)) (instrs ??= []).push(i);
    }
    if (r.defs) (defs ??= []).push(...r.defs);
    if (r.include) include = r.include;
    if (r.section) section = r.section;
    macroOpen ||= r.macroOpen;
    macroClose ||= r.macroClose;
  }
  if (cppDefs) defs = defs ? [...cppDefs, ...defs] : cppDefs;
  const endState = (endState0 & IN_COMMENT) | (intel ? INTEL : 0);
  if (!instrs && !defs && !include && !section && !macroOpen && !macroClose && !ignore && !target && endState === state) return EMPTY[state & 3];
  return { startState: state, endState, instrs, defs, include, section, macroOpen, macroClose, ignore, target };
}

/** The column where a `#define NAME` / `#define NAME(args)` line's body starts, or -1 for another directive. */
export function defineBodyStart(s: string, first: number): number {
  const m = /^#\s*define\s+[A-Za-z_]\w*(\([^)]*\))?/.exec(s.slice(first));
  return m ? first + m[0].length : -1;
}

/** Table instructions in the string literals of `s[from, to)`, each literal read as GAS statements. */
function stringInstructions(s: string, from: number, to: number, intel: boolean): LineInstr[] {
  const out: LineInstr[] = [];
  for (let i = s.indexOf('"', from); i >= 0 && i < to; i = s.indexOf('"', i + 1)) {
    let e = i + 1;
    while (e < to && s.charCodeAt(e) !== 34) e += s.charCodeAt(e) === 92 ? 2 : 1;
    if (e >= to) break;
    const b: number[] = [];
    statementBounds(s, i + 1, e, b);
    for (let k = 0; k < b.length; k += 2) {
      const r = parseGasStatement(s, b[k], b[k + 1], intel);
      if (r.instr) out.push(r.instr);
    }
    i = e;
  }
  return out;
}

function parseCppLine(s: string, first: number, state: number): LineFacts {
  const m = /^#\s*(define|include)\s+(?:([A-Za-z_][A-Za-z0-9_]*)|["<]([^">]+)[">])/.exec(s.slice(first));
  if (!m) return EMPTY[state & 3];
  if (m[1] === 'define' && m[2]) {
    const a = s.indexOf(m[2], first + 7);
    return { ...EMPTY[state & 3], defs: [{ name: m[2], kind: s.charCodeAt(a + m[2].length) === 40 ? 'macro' : 'constant', start: a, end: a + m[2].length, cpp: true }] };
  }
  if (m[1] === 'include' && m[3]) {
    const a = s.indexOf(m[3], first);
    return { ...EMPTY[state & 3], include: { path: m[3], start: a, end: a + m[3].length } };
  }
  return EMPTY[state & 3];
}
