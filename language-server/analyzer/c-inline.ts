// C/C++ inline asm: finds asm/__asm__ statements (basic and extended, volatile/goto/inline,
// string literals concatenated across lines), decodes the template with a map from each
// template character back to its file offset, and parses the template as GAS statements.

import { parseGasStatement, statementBounds } from './gas-line';
import type { LineInstr } from './types';

export interface COperand { name: string | null; constraint: string; expr: string; exprStart: number; exprEnd: number }

export interface CAsmInstr { instr: LineInstr }

export interface CAsmStmt {
  kwStart: number;          // offset of the asm keyword
  closeParen: number;       // offset of the closing ')'
  templateIsLiteral: boolean;
  /** File offsets of the first template quote and just after the last one. */
  templateStart: number;
  templateEnd: number;
  /** File offsets of the text read as asm: after '(' up to the first section ':' or ')'. */
  regionStart: number;
  regionEnd: number;
  template: string;
  map: Int32Array;          // template index -> file offset
  extended: boolean;
  outputs: COperand[];
  inputs: COperand[];
  /** All instructions and directives in the template (count of non-empty statements). */
  statementCount: number;
  /** Table instructions with template indices in start/end/mStart/mEnd/rawOps. */
  instrs: CAsmInstr[];
  /** Labels the template defines (template indices), for document symbols. */
  labels: Array<{ name: string; start: number; end: number }>;
  /** A slot for the rules' results for this statement (analyzer/rules.ts). */
  analysis: unknown;
  /**
   * null for an asm statement. Otherwise asm text that reaches an asm statement through a
   * macro: the body of a macro used in a template, or an argument passed to a macro
   * parameter that lands in one (c-asm-reach.ts).
   */
  origin: AsmOrigin | null;
}

export interface AsmOrigin {
  /** asm-block: a line of a header's `#ifdef __ASSEMBLY__` part (GAS, not C). */
  kind: 'macro-body' | 'macro-argument' | 'macro-span' | 'asm-block';
  /** The macro whose body this is, or the macro the argument is passed to. */
  macro: string;
  /** Where the macro is used in asm (macro-body: files and offsets), nearest first. */
  uses: Array<{ path: string; offset: number; text: string }>;
}

// `asm_inline` is the kernel's spelling of `asm inline` (a macro every x86 header uses).
const KEYWORDS = new Set(['asm', '__asm__', '__asm', 'asm_inline']);
const QUALIFIERS = new Set(['volatile', '__volatile__', '__volatile', 'goto', 'inline', '__inline__', '__inline']);

function isId(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 48 && c <= 57);
}

/** Skip whitespace, comments and backslash-newlines. */
function skipTrivia(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) { i++; continue; }
    if (c === 92 && (t.charCodeAt(i + 1) === 10 || t.charCodeAt(i + 1) === 13)) { i += 2; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); i = e < 0 ? t.length : e; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); i = e < 0 ? t.length : e + 2; continue; }
    return i;
  }
}

/** Skip a string or char literal starting at i (the quote); returns the index after it. */
function skipLiteral(t: string, i: number): number {
  const q = t.charCodeAt(i);
  i++;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 92) { i += 2; continue; }
    if (c === q || c === 10) return i + 1;
    i++;
  }
  return i;
}

/** Decode one string literal at i into chars/offsets; returns the index after the closing quote. */
function readLiteral(t: string, i: number, chars: string[], offs: number[]): number {
  i++;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 10) return i;
    if (c === 92) {
      const n = t[i + 1];
      const dec = n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '0' ? '\0' : n ?? '';
      if (n === '\n') { i += 2; continue; }
      chars.push(dec); offs.push(i);
      i += 2;
      continue;
    }
    chars.push(t[i]); offs.push(i);
    i++;
  }
  return i;
}

/** Find the ')' matching the '(' before i, skipping literals and comments. */
function matchParen(t: string, i: number): number {
  let depth = 1;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) { i = skipLiteral(t, i); continue; }
    if (c === 47 && (t.charCodeAt(i + 1) === 47 || t.charCodeAt(i + 1) === 42)) { i = skipTrivia(t, i); continue; }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i;
    i++;
  }
  return -1;
}

function parseOperands(t: string, from: number, to: number): COperand[] {
  const out: COperand[] = [];
  let i = from;
  while (i < to) {
    i = skipTrivia(t, i);
    if (i >= to) break;
    let name: string | null = null;
    if (t[i] === '[') {
      const e = t.indexOf(']', i);
      if (e < 0 || e > to) break;
      name = t.slice(i + 1, e).trim();
      i = skipTrivia(t, e + 1);
    }
    let constraint = '';
    while (t[i] === '"') {
      const chars: string[] = [], offs: number[] = [];
      i = skipTrivia(t, readLiteral(t, i, chars, offs));
      constraint += chars.join('');
    }
    if (t[i] !== '(') break;
    const close = matchParen(t, i + 1);
    if (close < 0 || close > to) break;
    out.push({ name, constraint, expr: t.slice(i + 1, close).trim(), exprStart: i + 1, exprEnd: close });
    i = skipTrivia(t, close + 1);
    if (t[i] === ',') i++;
    else break;
  }
  return out;
}

/** Section boundaries (the ':' separators) at paren depth 0 inside the asm parens. */
function sectionColons(t: string, from: number, to: number): number[] {
  const out: number[] = [];
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) { i = skipLiteral(t, i); continue; }
    if (c === 47 && (t.charCodeAt(i + 1) === 47 || t.charCodeAt(i + 1) === 42)) { i = skipTrivia(t, i); continue; }
    if (c === 40 || c === 91) depth++;
    else if (c === 41 || c === 93) depth--;
    else if (c === 58 && depth === 0) out.push(i);
    i++;
  }
  return out;
}


/** True when `#` at i starts a preprocessor directive: first on its line, not a continuation. */
export function isDirectiveHash(t: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && (t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k--;
  if (k < 0) return true;
  if (t.charCodeAt(k) !== 10) return false;
  let b = k - 1;
  if (b >= 0 && t.charCodeAt(b) === 13) b--;
  return !(b >= 0 && t.charCodeAt(b) === 92);
}

/** The end of the directive line starting at i (continuations included), at its newline. */
export function directiveEnd(t: string, i: number): number {
  for (;;) {
    const e = t.indexOf('\n', i);
    if (e < 0) return t.length;
    let b = e - 1;
    if (b >= i && t.charCodeAt(b) === 13) b--;
    if (b >= i && t.charCodeAt(b) === 92) { i = e + 1; continue; }
    // A block comment opened on the line continues the directive past the newline.
    const open = t.lastIndexOf('/*', e);
    if (open >= i && t.indexOf('*/', open + 2) > e) { const c = t.indexOf('*/', open + 2); i = c + 2; continue; }
    return e;
  }
}

export interface TemplateText {
  text: string;
  map: Int32Array;
  /** Only string literals (nothing a macro or the preprocessor could change). */
  literal: boolean;
  /** Offsets of the first string literal and just after the last one. */
  start: number;
  end: number;
  /** Where reading stopped: the first ':' outside parentheses, or `close`. */
  stop: number;
}

/**
 * The asm text in t[from, close): string literals decoded and joined as the compiler joins
 * them. What else is there stands in as a neutral word (an identifier, a number: `_`) or a
 * statement break (a preprocessor line, a macro call's parentheses and commas), so a literal
 * passed to ALTERNATIVE() or one line of an #ifdef'd pair reads as a statement of its own.
 * `#param` (stringizing) adds nothing, so `"rep; outs" #bwl` reads `rep; outs`.
 */
export function readTemplate(t: string, from: number, close: number, stopAtColon = true): TemplateText {
  const chars: string[] = [], offs: number[] = [];
  let literal = true, start = -1, end = from, depth = 0;
  let i = from;
  const put = (c: string, at: number) => { chars.push(c); offs.push(at); };
  /** Whether the text since the last statement break is blank (the next word starts a statement). */
  const atStatementStart = () => {
    for (let k = chars.length - 1; k >= 0; k--) {
      const c = chars[k];
      if (c === '\n' || c === ';') return true;
      if (c !== ' ' && c !== '\t') return c === ':';
    }
    return true;
  };
  // Per open parenthesis: whether it belongs to a call in the middle of a statement (its
  // parentheses and commas are then part of that statement, e.g. `"movw $" __stringify(PORT)`).
  const inline: boolean[] = [];
  let lastWordInline = false;
  const brk = (at: number) => put(inline.length > 0 && inline[inline.length - 1] ? ' ' : '\n', at);
  while (i < close) {
    i = skipTrivia(t, i);
    if (i >= close) break;
    const c = t.charCodeAt(i);
    if (c === 34) {
      if (start < 0) start = i;
      i = readLiteral(t, i, chars, offs);
      end = i;
      lastWordInline = false;
      continue;
    }
    if (c === 58 && depth === 0 && stopAtColon) return { text: chars.join(''), map: Int32Array.from(offs), literal, start: start < 0 ? from : start, end, stop: i };
    literal = false;
    if (c === 35) {
      if (isDirectiveHash(t, i)) { put('\n', i); i = directiveEnd(t, i); continue; }
      i++;
      if (t.charCodeAt(i) === 35) { i++; continue; }
      i = skipTrivia(t, i);
      while (i < close && isId(t.charCodeAt(i))) i++;
      continue;
    }
    if (c === 40 || c === 91) { depth++; inline.push(lastWordInline); brk(i); lastWordInline = false; i++; continue; }
    if (c === 41 || c === 93) { depth--; brk(i); inline.pop(); i++; continue; }
    if (c === 44) { brk(i); i++; continue; }
    if (isId(c) || c === 39) {
      // A macro standing where a statement starts is a statement of its own (UNWIND_HINT,
      // ASM_CLAC); elsewhere it is a piece of the statement (an operand, a register name).
      lastWordInline = !atStatementStart();
      if (lastWordInline) { put(' ', i); put('_', i); put(' ', i); } else { put('_', i); put('\n', i); }
      if (c === 39) i = skipLiteral(t, i);
      else while (i < close && (isId(t.charCodeAt(i)) || t.charCodeAt(i) === 46)) i++;
      continue;
    }
    put(' ', i);
    i++;
  }
  return { text: chars.join(''), map: Int32Array.from(offs), literal, start: start < 0 ? from : start, end, stop: close };
}

export function parseTemplate(stmt: CAsmStmt): void {
  const tpl = stmt.template;
  // Template lines: split at newlines, blank `#` comments, then split statements at ';'.
  let intel = false;
  let lineStart = 0;
  const bounds: number[] = [];
  for (let i = 0; i <= tpl.length; i++) {
    if (i < tpl.length && tpl.charCodeAt(i) !== 10) continue;
    let end = i;
    const hash = tpl.indexOf('#', lineStart);
    if (hash >= 0 && hash < end) end = hash;
    bounds.length = 0;
    statementBounds(tpl, lineStart, end, bounds);
    for (let k = 0; k < bounds.length; k += 2) {
      const r = parseGasStatement(tpl, bounds[k], bounds[k + 1], intel);
      intel = r.intel;
      if (r.word || r.defs) stmt.statementCount++;
      if (r.instr) stmt.instrs.push({ instr: r.instr });
      for (const d of r.defs ?? []) if (d.kind === 'label' || d.kind === 'local-label') stmt.labels.push({ name: d.name, start: d.start, end: d.end });
    }
    lineStart = i + 1;
  }
}

/**
 * A place where the scanner stood between tokens (outside comments, literals and asm
 * statements): scanning can restart there. `reach` is one past the last character read
 * before it (a lookahead may read past the position), so the point stays valid for an edit
 * at or after `reach`.
 */
export interface SyncPoint { at: number; reach: number }

/** Sync points are kept about this many characters apart. */
const SYNC_SPACING = 2048;

export interface ScanResult {
  stmts: CAsmStmt[];
  sync: SyncPoint[];
  /** Where the scan stopped because `converged` said so, or -1 when it ran to the end. */
  stoppedAt: number;
  /** One past the last character read before stopping (with the lookahead margin). */
  reach: number;
}

/**
 * Asm statements from offset `from` (a sync point, or 0). `converged(i)` is asked at each
 * position between tokens and stops the scan when it returns true (the caller knows the rest
 * of the result from an earlier scan). `spacing`: characters between sync points.
 */
export function scanInlineAsm(t: string, from = 0, converged?: (i: number) => boolean, spacing = SYNC_SPACING): ScanResult {
  const out: CAsmStmt[] = [];
  const sync: SyncPoint[] = [];
  const n = t.length;
  // Jump from one interesting token to the next with a native regex scan: comments and
  // literals are skipped whole, and only the asm keywords start a statement.
  const re = /\/\/|\/\*|["']|\b(?:__asm__|__asm|asm_inline|asm)\b/g;
  let i = from;
  let reach = from;
  let nextMark = from;
  while (i < n) {
    if (converged && converged(i)) return { stmts: out, sync, stoppedAt: i, reach: Math.max(reach, i + 8) };
    // A margin past i for the regex's lookahead around the token that led here.
    if (i >= nextMark) { sync.push({ at: i, reach: Math.max(reach, i + 8) }); nextMark = i + spacing; }
    re.lastIndex = i;
    const m = re.exec(t);
    if (!m) break;
    const tok = m[0];
    if (tok === '//' || tok === '/*') { i = skipTrivia(t, m.index); if (i === m.index) i++; continue; }
    if (tok === '"' || tok === "'") { i = skipLiteral(t, m.index); continue; }
    const s = m.index;
    i = s + tok.length;
    // The keyword's trailing word boundary looked at the next character.
    reach = Math.max(reach, i + 1);
    const word = tok;
    if (!KEYWORDS.has(word)) continue;
    let j = skipTrivia(t, i);
    for (;;) {
      let e = j;
      while (e < n && isId(t.charCodeAt(e))) e++;
      if (e > j && QUALIFIERS.has(t.slice(j, e))) { j = skipTrivia(t, e); continue; }
      reach = Math.max(reach, e + 1);
      break;
    }
    if (t[j] !== '(') continue;
    const close = matchParen(t, j + 1);
    if (close < 0) { i = n; break; }
    const tpl = readTemplate(t, j + 1, close);
    const colons = tpl.stop < close ? sectionColons(t, tpl.stop, close) : [];
    const stmt: CAsmStmt = {
      kwStart: s, closeParen: close, templateIsLiteral: tpl.literal, templateStart: tpl.start, templateEnd: tpl.end, regionStart: j + 1, regionEnd: tpl.stop, template: tpl.text,
      map: tpl.map, extended: colons.length > 0, outputs: [], inputs: [],
      statementCount: 0, instrs: [], labels: [], analysis: undefined, origin: null,
    };
    if (colons.length > 0) stmt.outputs = parseOperands(t, colons[0] + 1, colons.length > 1 ? colons[1] : close);
    if (colons.length > 1) stmt.inputs = parseOperands(t, colons[1] + 1, colons.length > 2 ? colons[2] : close);
    if (stmt.template.length > 0) parseTemplate(stmt);
    out.push(stmt);
    i = close + 1;
  }
  return { stmts: out, sync, stoppedAt: -1, reach: n };
}

/** Every asm statement in a C/C++ source text. */
export function findInlineAsm(t: string): CAsmStmt[] {
  return scanInlineAsm(t).stmts;
}

/** Move a statement found by an earlier scan to where an edit before it put it. */
export function shiftStatement(st: CAsmStmt, delta: number): void {
  if (delta === 0) return;
  st.kwStart += delta;
  st.closeParen += delta;
  st.templateStart += delta;
  st.templateEnd += delta;
  st.regionStart += delta;
  st.regionEnd += delta;
  const map = st.map;
  for (let k = 0; k < map.length; k++) map[k] += delta;
  for (const op of st.outputs) { op.exprStart += delta; op.exprEnd += delta; }
  for (const op of st.inputs) { op.exprStart += delta; op.exprEnd += delta; }
}

/** The C operand a template reference (`%0`, `%k1`, `%[name]`) names, if any. */
export function resolveOperandRef(stmt: CAsmStmt, ref: string): { op: COperand; output: boolean } | null {
  const m = /^%[a-zA-Z]?(?:(\d+)|\[([A-Za-z_][A-Za-z0-9_]*)\])$/.exec(ref.trim());
  if (!m) return null;
  const all = [...stmt.outputs.map((op) => ({ op, output: true })), ...stmt.inputs.map((op) => ({ op, output: false }))];
  if (m[1] !== undefined) return all[Number(m[1])] ?? null;
  return all.find((x) => x.op.name === m[2]) ?? null;
}
