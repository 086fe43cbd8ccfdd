// One NASM/Intel line -> LineFacts. NASM has no multi-line constructs that change how a
// line tokenizes (no block comments), so every line parses on its own; state is always 0.

import { classify, isTableMnemonic, tableMnemonics } from '../../emulator/isa';
import type { LineDef, LineFacts, LineInstr, Target } from './types';
import { byteList, decodeTableInstruction } from './byte-decode';
import { commentDirectives, isIdentChar, isIdentStart, isSpace, NASM_PREFIXES, normalizeOperand, splitOperands } from './operands';

const DATA = new Set(['db', 'dw', 'dd', 'dq', 'dt', 'do', 'dy', 'dz', 'resb', 'resw', 'resd', 'resq', 'rest', 'reso', 'resy', 'resz', 'incbin', 'equ', 'times']);
const DIRECTIVES = new Set(['section', 'segment', 'bits', 'use16', 'use32', 'use64', 'global', 'extern', 'common', 'static', 'align', 'alignb',
  'org', 'cpu', 'default', 'struc', 'endstruc', 'istruc', 'iend', 'at', 'absolute', 'float', 'warning', 'required', 'sectalign']);

/** mov/push are table mnemonics only with these operands; most lines fail this cheap test. */
export const SPECIAL_OPERAND = /\b(?:cr[0-9]|dr[0-7]|db[0-7]|[cs]s)\b/i;

export const EMPTY_NASM: LineFacts = Object.freeze({
  startState: 0, endState: 0, instrs: null, defs: null, include: null, section: null,
  macroOpen: false, macroClose: false, ignore: false, target: null,
}) as LineFacts;

function readIdent(s: string, i: number, end: number): number {
  while (i < end && isIdentChar(s.charCodeAt(i))) i++;
  return i;
}
function skipWs(s: string, i: number, end: number): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Column of the `;` that starts the comment, or the line length. */
function commentStart(s: string): number {
  const semi = s.indexOf(';');
  if (semi < 0) { if (s.indexOf('"') < 0 && s.indexOf("'") < 0 && s.indexOf('`') < 0) return s.length; }
  else {
    const q1 = s.indexOf('"'), q2 = s.indexOf("'"), q3 = s.indexOf('`');
    if ((q1 < 0 || q1 > semi) && (q2 < 0 || q2 > semi) && (q3 < 0 || q3 > semi)) return semi;
  }
  let quote = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote) { if (c === quote) quote = 0; continue; }
    if (c === 34 || c === 39 || c === 96) quote = c;
    else if (c === 59) return i;
  }
  return s.length;
}

/** First words that need the full parse; any other first word is ordinary code. */
const INTERESTING = new Set<string>([...DATA, ...DIRECTIVES, ...NASM_PREFIXES]);

/** Case-folded hash of an identifier, computed while scanning so ordinary lines allocate nothing. */
function foldHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + (s.charCodeAt(i) | 32)) | 0;
  return h;
}
const SPECIAL_HASHES = new Set<number>([...INTERESTING, ...tableMnemonics()].map(foldHash));

/**
 * The common line is `<indent> mnemonic operands [; comment]` with an ordinary mnemonic; it
 * contributes nothing, and recognising it without allocating facts keeps 100k-line files fast.
 */
function isOrdinary(s: string): boolean {
  const len = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  while (i < len && isSpace(c)) c = s.charCodeAt(++i);
  if (i === len) return true;
  if (c === 59) return s.indexOf('paravirt', i) < 0;
  const lc = c | 32;
  if (lc < 97 || lc > 122) return false;
  const a = i;
  let h = 0;
  while (i < len) {
    c = s.charCodeAt(i);
    if (!((c | 32) >= 97 && (c | 32) <= 122) && !(c >= 48 && c <= 57) && c !== 95) break;
    h = (Math.imul(h, 31) + (c | 32)) | 0;
    i++;
  }
  if (i === len) c = 0;
  if (c === 58 || c === 46 || c === 36 || c === 64 || c === 63 || c === 35 || c === 126) return false; // label or odd ident
  if (SPECIAL_HASHES.has(h)) {
    const w = s.slice(a, i).toLowerCase();
    if (INTERESTING.has(w)) return false;
    if (isTableMnemonic(w) && ((w !== 'mov' && w !== 'push') || SPECIAL_OPERAND.test(s))) return false;
  }
  while (i < len && isSpace(s.charCodeAt(i))) i++;
  // A second word starting d/r/i/e/t may be db/resb/incbin/equ/times, making the first a label.
  const c2 = s.charCodeAt(i) | 32;
  if (c2 === 100 || c2 === 114 || c2 === 105 || c2 === 101 || c2 === 116) return false;
  return s.indexOf('paravirt', i) < 0;
}

/** `db` with a list that encodes one table instruction (kernels spell new instructions this way). */
function dbInstruction(s: string, w0: number, w1: number, codeEnd: number): LineInstr | null {
  let end = codeEnd;
  while (end > w1 && isSpace(s.charCodeAt(end - 1))) end--;
  const bytes = byteList(s.slice(w1, end), true);
  const d = bytes && decodeTableInstruction(bytes);
  if (!d || !classify(d.mnemonic, d.ops)) return null;
  return { start: w0, end, mStart: w0, mEnd: w1, mnemonic: d.mnemonic, raw: s.slice(w0, w1), prefixed: false, ops: d.ops, rawOps: splitOperands(s, w1, end), intel: true };
}

export function parseNasmLine(s: string): LineFacts {
  return isOrdinary(s) ? EMPTY_NASM : parseNasmLineFull(s);
}

/** The full parse, without the ordinary-line shortcut (exported so tests can compare the two). */
export function parseNasmLineFull(s: string): LineFacts {
  const codeEnd = commentStart(s);
  let ignore = false, target: Target | null = null;
  if (codeEnd < s.length && s.indexOf('paravirt', codeEnd) >= 0) ({ ignore, target } = commentDirectives(s.slice(codeEnd)));
  let i = skipWs(s, 0, codeEnd);
  if (i >= codeEnd) return ignore || target ? { ...EMPTY_NASM, ignore, target } : EMPTY_NASM;

  let defs: LineDef[] | null = null;
  let instrs: LineInstr[] | null = null;
  let include: LineFacts['include'] = null;
  let section: string | null = null;
  let macroOpen = false, macroClose = false;
  const c0 = s.charCodeAt(i);

  if (c0 === 37 && s.charCodeAt(i + 1) !== 37) { // '%' directive (not a %% macro-local label)
    const dEnd = readIdent(s, i + 1, codeEnd);
    const d = s.slice(i + 1, dEnd).toLowerCase();
    const a = skipWs(s, dEnd, codeEnd);
    const nEnd = readIdent(s, a, codeEnd);
    const name = s.slice(a, nEnd);
    if (d === 'define' || d === 'xdefine' || d === 'assign' || d === 'idefine' || d === 'ixdefine' || d === 'iassign' || d === 'defstr' || d === 'deftok') {
      if (name) defs = [{ name, kind: 'constant', start: a, end: nEnd, caseInsensitive: d.startsWith('i') }];
    } else if (d === 'macro' || d === 'imacro') {
      if (name) defs = [{ name, kind: 'macro', start: a, end: nEnd, caseInsensitive: d === 'imacro' }];
      macroOpen = true;
    } else if (d === 'endmacro' || d === 'endm') {
      macroClose = true;
    } else if (d === 'include') {
      const m = /^\s*["'<]([^"'>]+)["'>]/.exec(s.slice(dEnd, codeEnd));
      if (m) { const p0 = s.indexOf(m[1], dEnd); include = { path: m[1], start: p0, end: p0 + m[1].length }; }
    }
    return { startState: 0, endState: 0, instrs: null, defs, include, section, macroOpen, macroClose, ignore, target };
  }
  if (c0 === 91) { // [section .text] / [bits 32]
    const m = /^\[\s*(section|segment)\s+([^\s\]]+)/i.exec(s.slice(i, codeEnd));
    if (m) section = m[2];
    return { startState: 0, endState: 0, instrs: null, defs: null, include: null, section, macroOpen, macroClose, ignore, target };
  }

  // Leading labels: `name:` (any word), `%%name:`, or `name` followed by a data/equ keyword.
  let w0 = i;
  if (c0 === 37) w0 = i + 2;
  let w1 = readIdent(s, w0, codeEnd);
  if (w1 === w0) return { startState: 0, endState: 0, instrs: null, defs: null, include: null, section: null, macroOpen, macroClose, ignore, target };
  let j = skipWs(s, w1, codeEnd);
  if (s.charCodeAt(j) === 58) { // ':'
    const name = s.slice(i, w1);
    defs = [{ name, kind: name.startsWith('.') ? 'local-label' : 'label', start: i, end: w1 }];
    i = skipWs(s, j + 1, codeEnd);
    if (i >= codeEnd) return { startState: 0, endState: 0, instrs: null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
    w0 = i; w1 = readIdent(s, i, codeEnd);
    if (w1 === w0) return { startState: 0, endState: 0, instrs: null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
    j = skipWs(s, w1, codeEnd);
  }
  let word = s.slice(w0, w1);
  let lower = word.toLowerCase();

  if (DIRECTIVES.has(lower)) {
    if (lower === 'section' || lower === 'segment') {
      const e = readIdent(s, j, codeEnd);
      section = s.slice(j, e) || null;
    }
    return { startState: 0, endState: 0, instrs: null, defs, include: null, section, macroOpen, macroClose, ignore, target };
  }
  // `name equ 5`, `msg db "x"`, `buf resb 4`, `hlt times 4 db 0`: the first word is a label.
  // (A colon-less label before an instruction is not recognised: `call hlt` must stay a call.)
  if (!DATA.has(lower) && j < codeEnd && isIdentStart(s.charCodeAt(j))) {
    const k = readIdent(s, j, codeEnd);
    const next = s.slice(j, k).toLowerCase();
    if (DATA.has(next)) {
      (defs ??= []).push({ name: word, kind: next === 'equ' ? 'constant' : word.startsWith('.') ? 'local-label' : 'label', start: w0, end: w1 });
      if (next === 'db') {
        const b = dbInstruction(s, j, k, codeEnd);
        return { startState: 0, endState: 0, instrs: b ? [b] : null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
      }
      {
        if (next !== 'times') return { startState: 0, endState: 0, instrs: null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
      }
      w0 = j; w1 = k; word = s.slice(w0, w1); lower = next; j = skipWs(s, w1, codeEnd);
    }
  }
  if (lower === 'db') {
    const b = dbInstruction(s, w0, w1, codeEnd);
    if (!b && !defs && !ignore && !target) return EMPTY_NASM;
    return { startState: 0, endState: 0, instrs: b ? [b] : null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
  }
  const timesPrefix = lower === 'times';
  if (timesPrefix) {
    // times <count> <instruction>: find the first table mnemonic after the count expression.
    let k = j; let found = -1;
    while (k < codeEnd) {
      const c = s.charCodeAt(k);
      if (isIdentStart(c)) {
        const e = readIdent(s, k, codeEnd);
        const t = s.slice(k, e).toLowerCase();
        if (DATA.has(t)) break;
        if (isTableMnemonic(t)) { found = k; w1 = e; break; }
        k = e;
      } else if (c === 34 || c === 39 || c === 96) break;
      else k++;
    }
    if (found < 0) return { startState: 0, endState: 0, instrs: null, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
    w0 = found; word = s.slice(w0, w1); lower = word.toLowerCase(); j = skipWs(s, w1, codeEnd);
  }
  const stmtStart = w0;
  let prefixed = timesPrefix;
  while (NASM_PREFIXES.has(lower) && j < codeEnd && isIdentStart(s.charCodeAt(j))) {
    prefixed = true;
    w0 = j; w1 = readIdent(s, j, codeEnd); word = s.slice(w0, w1); lower = word.toLowerCase(); j = skipWs(s, w1, codeEnd);
  }
  if (isTableMnemonic(lower) && ((lower !== 'mov' && lower !== 'push') || SPECIAL_OPERAND.test(s.slice(w1, codeEnd)))) {
    let end = codeEnd;
    while (end > w1 && isSpace(s.charCodeAt(end - 1))) end--;
    const rawOps = splitOperands(s, w1, end);
    const ops = rawOps.map((o) => normalizeOperand(o.text));
    if (classify(lower, ops)) {
      instrs = [{ start: stmtStart, end, mStart: w0, mEnd: w1, mnemonic: lower, raw: word, prefixed, ops, rawOps, intel: true }];
    }
  }
  if (!instrs && !defs && !ignore && !target) return EMPTY_NASM;
  return { startState: 0, endState: 0, instrs, defs, include: null, section: null, macroOpen, macroClose, ignore, target };
}
