// Document symbols, go-to-definition and references (labels, macros, constants, across
// included files), and folding ranges for sections and macros. C files: c-navigation.ts.

import {
  FoldingRangeKind, SymbolKind,
  type DocumentSymbol, type FoldingRange, type Location, type Position,
} from 'vscode-languageserver/node';
import { flattenOutline } from './analyzer/c-symbols';
import type { AnalyzedDocument } from './analyzer/document';
import { cDefinition, cDocumentSymbols, cReferences, outlineOf } from './c-navigation';
import { collectDefs, foldingRanges, includesOf, occurrences, scopeAt, sectionRanges, wordAt, type SymbolDef } from './analyzer/symbols';
import type { Range } from './analyzer/types';
import { pathToUri, type OpenDoc, type ServerState } from './state';

const KIND: Record<SymbolDef['kind'], SymbolKind> = {
  label: SymbolKind.Function, 'local-label': SymbolKind.Field, macro: SymbolKind.Method, constant: SymbolKind.Constant,
};

export function documentSymbols(doc: AnalyzedDocument): DocumentSymbol[] {
  if (doc.syntax === 'c') return cDocumentSymbols(doc);
  const defs = collectDefs(doc);
  const sections = sectionRanges(doc);
  const top: DocumentSymbol[] = [];
  const secSyms = sections.map((s) => {
    const end = Math.max(s.startLine, s.endLine);
    const sym: DocumentSymbol = {
      name: s.name, kind: SymbolKind.Namespace,
      range: { start: { line: s.startLine, character: 0 }, end: { line: end, character: (doc.lines[end] ?? '').length } },
      selectionRange: { start: { line: s.startLine, character: 0 }, end: { line: s.startLine, character: doc.lines[s.startLine].length } },
      children: [],
    };
    top.push(sym);
    return sym;
  });
  let lastLabel: DocumentSymbol | null = null;
  for (const d of defs) {
    const sel = { start: { line: d.line, character: d.start }, end: { line: d.line, character: d.end } };
    const sym: DocumentSymbol = { name: d.name, detail: d.kind, kind: KIND[d.kind], range: sel, selectionRange: sel, children: [] };
    if (d.kind === 'local-label' && lastLabel) { lastLabel.children!.push(sym); continue; }
    const sec = sections.findIndex((s) => d.line >= s.startLine && d.line <= s.endLine);
    (sec >= 0 ? secSyms[sec].children! : top).push(sym);
    if (d.kind === 'label') lastLabel = sym;
  }
  return top;
}

export function folding(doc: AnalyzedDocument): FoldingRange[] {
  if (doc.syntax === 'c') {
    // Definitions (function bodies, types, namespaces) as well as multi-line asm statements.
    const out = foldingRanges(doc).map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: FoldingRangeKind.Region }));
    for (const s of flattenOutline(outlineOf(doc))) {
      const a = doc.positionAt(s.start).line, b = doc.positionAt(s.end).line;
      if (b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Region });
    }
    return out.sort((x, y) => x.startLine - y.startLine || y.endLine - x.endLine);
  }
  return foldingRanges(doc).map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : FoldingRangeKind.Region }));
}

interface Target { name: string; qualified: string; local: boolean }

function targetAt(doc: AnalyzedDocument, pos: Position): Target | null {
  const line = doc.lines[pos.line];
  if (line === undefined || doc.syntax === 'c') return null;
  const w = wordAt(line, pos.character);
  if (!w) return null;
  if (doc.syntax === 'gas' && w.word.startsWith('$')) { w.word = w.word.slice(1); w.start++; } // immediate sigil
  if (!w.word) return null;
  const local = doc.syntax === 'nasm' && w.word.startsWith('.') && !w.word.startsWith('..');
  return { name: w.word, qualified: local ? scopeAt(doc, pos.line) + w.word : w.word, local };
}

function loc(doc: AnalyzedDocument, r: Range): Location { return { uri: pathToUri(doc.path), range: r }; }

function findDefs(docs: AnalyzedDocument[], t: Target): Array<{ doc: AnalyzedDocument; def: SymbolDef }> {
  const out: Array<{ doc: AnalyzedDocument; def: SymbolDef }> = [];
  for (const d of docs) {
    for (const def of collectDefs(d)) {
      const match = t.local ? def.qualified === t.qualified
        : def.caseInsensitive ? def.name.toLowerCase() === t.name.toLowerCase() : def.name === t.name;
      if (match) out.push({ doc: d, def });
    }
  }
  return out;
}

export function definition(state: ServerState, od: OpenDoc, pos: Position): Location[] {
  const doc = od.doc;
  if (doc.syntax === 'c') {
    const inc = includesOf(doc).find((i) => i.line === pos.line && pos.character >= i.start && pos.character <= i.end);
    if (!inc) return cDefinition(state, od, pos);
  }
  const inc = includesOf(doc).find((i) => i.line === pos.line && pos.character >= i.start && pos.character <= i.end);
  if (inc) {
    const p = state.workspace.resolve(doc.path, inc.path);
    return p ? [{ uri: pathToUri(p), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
  }
  const t = targetAt(doc, pos);
  if (!t) return [];
  const docs = t.local ? [doc] : [doc, ...state.workspace.includeClosure(doc)];
  return findDefs(docs, t).map(({ doc: d, def }) => loc(d, { start: { line: def.line, character: def.start }, end: { line: def.line, character: def.end } }));
}

/** Line span of the NASM scope a local label lives in. */
function localScope(doc: AnalyzedDocument, line: number): [number, number] {
  let a = line, b = line;
  const isGlobal = (i: number) => !!doc.facts[i]?.defs?.some((d) => d.kind === 'label');
  while (a > 0 && !isGlobal(a)) a--;
  while (b + 1 < doc.lineCount && !isGlobal(b + 1)) b++;
  return [a, b];
}

export function references(state: ServerState, od: OpenDoc, pos: Position, includeDeclaration: boolean): Location[] {
  const doc = od.doc;
  if (doc.syntax === 'c') return cReferences(state, od, pos, includeDeclaration);
  const t = targetAt(doc, pos);
  if (!t) return [];
  const out: Location[] = [];
  if (t.local) {
    const [a, b] = localScope(doc, pos.line);
    for (const r of occurrences(doc, t.name, a, b)) out.push(loc(doc, r));
  } else {
    const docs = [doc, ...state.workspace.includeClosure(doc)];
    for (const o of state.docs.values()) if (!docs.includes(o.doc) && o.doc.syntax !== 'c' && state.workspace.includeClosure(o.doc).some((d) => docs.includes(d))) docs.push(o.doc);
    const defs = findDefs(docs, t);
    if (defs.length === 0 && occurrences(doc, t.name, pos.line, pos.line).length === 0) return [];
    const ci = defs.some((d) => d.def.caseInsensitive);
    for (const d of docs) for (const r of occurrences(d, t.name, 0, d.lineCount - 1, ci)) out.push(loc(d, r));
  }
  if (!includeDeclaration) {
    const decl = definition(state, od, pos);
    return out.filter((l) => !decl.some((d) => d.uri === l.uri && d.range.start.line === l.range.start.line && d.range.start.character === l.range.start.character));
  }
  return out;
}
