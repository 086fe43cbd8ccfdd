// C/C++ documents: outline (functions, types, namespaces, #define macros, and the labels that
// inline asm templates define), go-to-definition and references for those names across the
// headers a file #includes.

import { SymbolKind, type DocumentSymbol, type Location, type Position } from 'vscode-languageserver/node';
import { cOutline, flattenOutline, tokenizeC, type CSymbol, type CSymbolKind } from './analyzer/c-symbols';
import type { AnalyzedDocument } from './analyzer/document';
import { wordAt } from './analyzer/symbols';
import type { Range } from './analyzer/types';
import { pathToUri, type OpenDoc, type ServerState } from './state';

const KIND: Record<CSymbolKind, SymbolKind> = {
  function: SymbolKind.Function, struct: SymbolKind.Struct, union: SymbolKind.Struct, enum: SymbolKind.Enum,
  class: SymbolKind.Class, namespace: SymbolKind.Namespace, macro: SymbolKind.Function, constant: SymbolKind.Constant,
};

/** An outline per document, reused while its text is the same. */
const outlines = new WeakMap<AnalyzedDocument, { text: string; list: CSymbol[] }>();

export function outlineOf(doc: AnalyzedDocument): CSymbol[] {
  const text = doc.getText();
  const hit = outlines.get(doc);
  if (hit && hit.text === text) return hit.list;
  const list = cOutline(text);
  outlines.set(doc, { text, list });
  return list;
}

interface Label { name: string; start: number; end: number }

/** Labels defined inside asm templates, at their file offsets. */
function asmLabels(doc: AnalyzedDocument): Label[] {
  const out: Label[] = [];
  for (const st of doc.cStmts) {
    for (const l of st.labels) {
      if (l.end <= l.start || l.end > st.map.length) continue;
      out.push({ name: l.name, start: st.map[l.start], end: st.map[l.end - 1] + 1 });
    }
  }
  return out;
}

function range(doc: AnalyzedDocument, a: number, b: number): Range { return { start: doc.positionAt(a), end: doc.positionAt(b) }; }

/** The innermost definition around a label: a binary search at each level (siblings are in text order). */
function ownerOf(list: CSymbol[], l: Label): CSymbol | null {
  let lo = 0, hi = list.length - 1, found = -1;
  while (lo <= hi) { const mid = (lo + hi) >> 1; if (list[mid].start <= l.start) { found = mid; lo = mid + 1; } else hi = mid - 1; }
  // Macros are siblings that may start later inside a definition's range; look back past them.
  for (let i = found; i >= 0; i--) {
    const s = list[i];
    if (s.kind === 'macro' || s.kind === 'constant') continue;
    if (l.end <= s.end) return ownerOf(s.children, l) ?? s;
    break;
  }
  return null;
}

export function cDocumentSymbols(doc: AnalyzedDocument): DocumentSymbol[] {
  const convert = (s: CSymbol): DocumentSymbol => ({
    name: s.name, kind: KIND[s.kind], detail: s.kind === 'macro' || s.kind === 'constant' ? '#define' : s.kind,
    range: range(doc, s.start, s.end), selectionRange: range(doc, s.nameStart, s.nameEnd), children: s.children.map(convert),
  });
  const outline = outlineOf(doc);
  const top = outline.map(convert);
  const converted = new Map<CSymbol, DocumentSymbol>();
  const walk = (src: CSymbol[], dst: DocumentSymbol[]) => src.forEach((s, i) => { converted.set(s, dst[i]); walk(s.children, dst[i].children!); });
  walk(outline, top);
  for (const l of asmLabels(doc)) {
    const r = range(doc, l.start, l.end);
    const sym: DocumentSymbol = { name: l.name, kind: SymbolKind.Field, detail: 'asm label', range: r, selectionRange: r };
    const owner = ownerOf(outline, l);
    if (owner) converted.get(owner)!.children!.push(sym);
    else top.push(sym);
  }
  return top;
}

function nameAt(doc: AnalyzedDocument, pos: Position): string | null {
  const line = doc.lines[pos.line];
  if (line === undefined) return null;
  const w = wordAt(line, pos.character);
  return w && /^[A-Za-z_]\w*$/.test(w.word) ? w.word : null;
}

function docsFor(state: ServerState, doc: AnalyzedDocument): AnalyzedDocument[] {
  return [doc, ...state.workspace.includeClosure(doc).filter((d) => d.syntax === 'c')];
}

export function cDefinition(state: ServerState, od: OpenDoc, pos: Position): Location[] {
  const name = nameAt(od.doc, pos);
  if (!name) return [];
  const out: Location[] = [];
  for (const d of docsFor(state, od.doc)) {
    const uri = pathToUri(d.path);
    for (const s of flattenOutline(outlineOf(d))) {
      if (s.name === name || s.name.endsWith(`::${name}`)) out.push({ uri, range: range(d, s.nameStart, s.nameEnd) });
    }
    for (const l of asmLabels(d)) if (l.name === name) out.push({ uri, range: range(d, l.start, l.end) });
  }
  return out;
}

export function cReferences(state: ServerState, od: OpenDoc, pos: Position, includeDeclaration: boolean): Location[] {
  const name = nameAt(od.doc, pos);
  if (!name) return [];
  const decls = includeDeclaration ? [] : cDefinition(state, od, pos);
  const isDecl = (uri: string, r: Range) => decls.some((d) => d.uri === uri && d.range.start.line === r.start.line && d.range.start.character === r.start.character);
  const out: Location[] = [];
  for (const d of docsFor(state, od.doc)) {
    const uri = pathToUri(d.path);
    const text = d.getText();
    for (const tok of tokenizeC(text)) {
      if (tok.t !== name) continue;
      const r = range(d, tok.s, tok.e);
      if (!isDecl(uri, r)) out.push({ uri, range: r });
    }
    // #define names live on preprocessor lines, which the tokens skip.
    for (const s of flattenOutline(outlineOf(d))) {
      if ((s.kind === 'macro' || s.kind === 'constant') && s.name === name) {
        const r = range(d, s.nameStart, s.nameEnd);
        if (!isDecl(uri, r)) out.push({ uri, range: r });
      }
    }
  }
  return out.sort((a, b) => (a.uri === b.uri ? a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character : a.uri < b.uri ? -1 : 1));
}
