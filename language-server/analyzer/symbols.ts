// Labels, macros and constants (definitions and references), sections and folding, and the
// files a document includes. NASM local labels (.name) are scoped to the last global label.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { AnalyzedDocument } from './document';
import { HAS_INCLUDE } from './line-flags';
import { isIdentChar } from './operands';
import type { DefKind, Range } from './types';

export interface SymbolDef {
  name: string;
  /** Local labels: `parent.local`; otherwise the name. */
  qualified: string;
  kind: DefKind;
  line: number;
  start: number;
  end: number;
  caseInsensitive: boolean;
}

export function collectDefs(doc: AnalyzedDocument): SymbolDef[] {
  const out: SymbolDef[] = [];
  if (doc.syntax === 'c') return out;
  let parent = '';
  doc.facts.forEach((f, line) => {
    if (!f.defs) return;
    for (const d of f.defs) {
      let qualified = d.name;
      if (d.kind === 'label') parent = d.name;
      else if (d.kind === 'local-label' && doc.syntax === 'nasm') qualified = parent + d.name;
      out.push({ name: d.name, qualified, kind: d.kind, line, start: d.start, end: d.end, caseInsensitive: !!d.caseInsensitive });
    }
  });
  return out;
}

/** The global label in force at a line (for NASM local-label scoping). */
export function scopeAt(doc: AnalyzedDocument, line: number): string {
  for (let i = Math.min(line, doc.facts.length - 1); i >= 0; i--) {
    const defs = doc.facts[i].defs;
    if (!defs) continue;
    for (let k = defs.length - 1; k >= 0; k--) if (defs[k].kind === 'label') return defs[k].name;
  }
  return '';
}

export interface SectionRange { name: string; startLine: number; endLine: number }

export function sectionRanges(doc: AnalyzedDocument): SectionRange[] {
  const out: SectionRange[] = [];
  if (doc.syntax === 'c') return out;
  doc.facts.forEach((f, line) => {
    if (!f.section) return;
    if (out.length) out[out.length - 1].endLine = line - 1;
    out.push({ name: f.section, startLine: line, endLine: doc.lineCount - 1 });
  });
  return out;
}

export interface Fold { startLine: number; endLine: number; kind: 'region' | 'comment' }

export function foldingRanges(doc: AnalyzedDocument): Fold[] {
  const out: Fold[] = [];
  if (doc.syntax === 'c') {
    for (const st of doc.cStmts) {
      const a = doc.positionAt(st.kwStart).line, b = doc.positionAt(st.closeParen).line;
      if (b > a) out.push({ startLine: a, endLine: b, kind: 'region' });
    }
    return out;
  }
  for (const s of sectionRanges(doc)) {
    let end = s.endLine;
    while (end > s.startLine && doc.lines[end].trim() === '') end--;
    if (end > s.startLine) out.push({ startLine: s.startLine, endLine: end, kind: 'region' });
  }
  const open: number[] = [];
  doc.facts.forEach((f, line) => {
    if (f.macroOpen) open.push(line);
    if (f.macroClose && open.length) {
      const a = open.pop()!;
      if (line > a) out.push({ startLine: a, endLine: line, kind: 'region' });
    }
  });
  return out;
}

/** The identifier under the cursor (NASM `.local` and `%%local` included). */
export function wordAt(line: string, character: number): { word: string; start: number; end: number } | null {
  let a = character, b = character;
  while (a > 0 && isIdentChar(line.charCodeAt(a - 1))) a--;
  while (b < line.length && isIdentChar(line.charCodeAt(b))) b++;
  if (a > 1 && line.charCodeAt(a - 1) === 37 && line.charCodeAt(a - 2) === 37) a -= 2;
  if (b === a) return null;
  return { word: line.slice(a, b), start: a, end: b };
}

/** Columns where code ends on an asm line (comment start), ignoring quotes. */
function codeEnd(line: string, syntax: 'nasm' | 'gas', cpp: boolean): number {
  let quote = 0;
  // In a preprocessed file a leading `#` starts a directive (`#define X 1`), not a comment.
  const start = cpp && /^\s*#/.test(line) ? line.indexOf('#') + 1 : 0;
  for (let i = start; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quote) { if (c === quote) quote = 0; continue; }
    if (c === 34 || (syntax === 'nasm' && (c === 39 || c === 96))) quote = c;
    else if (syntax === 'nasm' ? c === 59 : c === 35 || (c === 47 && line.charCodeAt(i + 1) === 47)) return i;
  }
  return line.length;
}

/** Whole-identifier occurrences of `name` in code (not comments or strings). */
export function occurrences(doc: AnalyzedDocument, name: string, fromLine = 0, toLine = doc.lineCount - 1, caseInsensitive = false): Range[] {
  const out: Range[] = [];
  if (doc.syntax === 'c' || !name) return out;
  const needle = caseInsensitive ? name.toLowerCase() : name;
  for (let line = fromLine; line <= toLine && line < doc.lineCount; line++) {
    const raw = doc.lines[line];
    const text = caseInsensitive ? raw.toLowerCase() : raw;
    let idx = text.indexOf(needle);
    if (idx < 0) continue;
    const end = codeEnd(raw, doc.syntax, doc.cpp);
    while (idx >= 0 && idx < end) {
      const before = idx > 0 ? text.charCodeAt(idx - 1) : 32;
      const after = text.charCodeAt(idx + needle.length);
      const boundary = !isIdentChar(before) || (doc.syntax === 'gas' && before === 36); // GAS `$sym`
      if (boundary && !isIdentChar(after) && !insideQuotes(raw, idx)) {
        out.push({ start: { line, character: idx }, end: { line, character: idx + needle.length } });
      }
      idx = text.indexOf(needle, idx + 1);
    }
  }
  return out;
}

function insideQuotes(line: string, at: number): boolean {
  let quote = 0;
  for (let i = 0; i < at; i++) {
    const c = line.charCodeAt(i);
    if (quote) { if (c === quote) quote = 0; } else if (c === 34 || c === 39 || c === 96) quote = c;
  }
  return quote !== 0;
}

export interface IncludeRef { path: string; line: number; start: number; end: number }

/** `angle`: C only, `#include <...>` too (resolved through the include paths, as -I does). */
export function includesOf(doc: AnalyzedDocument, angle = false): IncludeRef[] {
  const out: IncludeRef[] = [];
  if (doc.syntax === 'c') {
    const re = angle ? /^\s*#\s*include\s*["<]([^">]+)[">]/ : /^\s*#\s*include\s*"([^"]+)"/;
    // The word `include` is rare and its occurrences are kept across edits: only the lines
    // holding it are matched.
    let last = -1;
    for (const at of doc.cInclude.positions) {
      const line = doc.positionAt(at).line;
      if (line === last) continue;
      last = line;
      const l = doc.lines[line];
      const m = re.exec(l);
      if (m) { const s = l.indexOf(m[1]); out.push({ path: m[1], line, start: s, end: s + m[1].length }); }
    }
    return out;
  }
  for (let line = doc.nextLineWith(HAS_INCLUDE); line >= 0; line = doc.nextLineWith(HAS_INCLUDE, line + 1)) {
    const inc = doc.facts[line].include!;
    out.push({ path: inc.path, line, start: inc.start, end: inc.end });
  }
  return out;
}

/** First existing candidate: next to the including file, then each include path (relative to root). */
export function resolveInclude(fromPath: string, inc: string, includePaths: string[], root: string | null, exists: (p: string) => boolean): string | null {
  if (isAbsolute(inc)) return exists(inc) ? inc : null;
  const dirs = [dirname(fromPath)];
  for (const p of includePaths) dirs.push(isAbsolute(p) || !root ? resolve(p) : resolve(root, p));
  if (root) dirs.push(root);
  for (const d of dirs) {
    const cand = join(d, inc);
    if (exists(cand)) return cand;
  }
  return null;
}
