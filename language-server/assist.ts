// Help while typing: hover, completion of wrappers/arguments/constants, signature help.

import {
  CompletionItemKind, InsertTextFormat, MarkupKind,
  type CompletionItem, type Hover, type Position, type SignatureHelp,
} from 'vscode-languageserver/node';
import { CONSTANTS, constantsWithPrefix, signatureLabel, wrapperByName, wrappersFor, type Wrapper } from './analyzer/catalog';
import { instructionHover, wrapperHover } from './analyzer/hover-text';
import { collectDefs, wordAt } from './analyzer/symbols';
import type { OpenDoc, ServerState } from './state';

function contains(r: { start: Position; end: Position }, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

export function hover(state: ServerState, od: OpenDoc, pos: Position): Hover | null {
  const doc = od.doc;
  const target = doc.targetOverride() ?? state.settings.target;
  // The findings first: they were read with the build's defines (a C file's mode may come from
  // compile_commands.json); then every table instruction, for those without a finding.
  for (const { hit } of state.analyze(od)) {
    if (hit.range.start.line > pos.line) break;
    if (contains(hit.range, pos)) {
      return { contents: { kind: MarkupKind.Markdown, value: instructionHover(hit.entry, target, hit.bits) }, range: hit.range };
    }
  }
  for (const hit of doc.hits()) {
    if (hit.range.start.line > pos.line) break;
    if (contains(hit.range, pos)) {
      return { contents: { kind: MarkupKind.Markdown, value: instructionHover(hit.entry, target, hit.bits) }, range: hit.range };
    }
  }
  const line = doc.lines[pos.line];
  if (line === undefined) return null;
  const w = wordAt(line, pos.character);
  if (!w) return null;
  if (doc.syntax === 'gas' && w.word.startsWith('$')) { w.word = w.word.slice(1); w.start++; }
  const range = { start: { line: pos.line, character: w.start }, end: { line: pos.line, character: w.end } };
  const wrapper = wrapperByName(w.word, doc.bitsAt(pos.line));
  if (wrapper) return { contents: { kind: MarkupKind.Markdown, value: wrapperHover(wrapper, doc.syntax) }, range };
  if (w.word in CONSTANTS) return { contents: { kind: MarkupKind.Markdown, value: `\`${w.word}\` = ${CONSTANTS[w.word]} (Xen ABI constant)` }, range };
  for (const d of [doc, ...state.workspace.includeClosure(doc)]) {
    const def = collectDefs(d).find((x) => x.name === w.word && x.kind !== 'local-label');
    if (def) {
      const where = d === doc ? `line ${def.line + 1}` : `${d.path}:${def.line + 1}`;
      return { contents: { kind: MarkupKind.Markdown, value: `${def.kind} \`${def.name}\` (${where})\n\n\`\`\`\n${d.lines[def.line].trim()}\n\`\`\`` }, range };
    }
  }
  return null;
}

/** The wrapper call around the cursor and the index of the argument being typed. */
export function callContext(od: OpenDoc, pos: Position): { wrapper: Wrapper; active: number } | null {
  const doc = od.doc;
  const line = doc.lines[pos.line] ?? '';
  if (doc.syntax === 'c') {
    // Only the 2,000 characters before the cursor matter (a keystroke must not join a large file).
    const at = doc.offsetAt(pos);
    const base = Math.max(0, at - 2100);
    const text = doc.textRange(base, at);
    const off = at - base;
    let depth = 0, commas = 0;
    for (let i = off - 1; i >= 0 && i > off - 2000; i--) {
      const c = text[i];
      if (c === ')') depth++;
      else if (c === '(') {
        if (depth === 0) {
          let e = i; while (e > 0 && /\s/.test(text[e - 1])) e--;
          let s = e; while (s > 0 && /[A-Za-z0-9_]/.test(text[s - 1])) s--;
          const w = wrapperByName(text.slice(s, e), doc.bitsAt(pos.line));
          return w ? { wrapper: w, active: commas } : null;
        }
        depth--;
      } else if (c === ',' && depth === 0) commas++;
      else if (c === ';' || c === '{' || c === '}') return null;
    }
    return null;
  }
  const before = line.slice(0, pos.character);
  const m = /^\s*(?:[A-Za-z_.$@?][\w.$@?#~]*:\s*)?([A-Za-z_][A-Za-z0-9_]*)(\s+.*)?$/.exec(before);
  if (!m || m[2] === undefined) return null;
  const w = wrapperByName(m[1], doc.bitsAt(pos.line));
  if (!w) return null;
  return { wrapper: w, active: (m[2].match(/,/g) ?? []).length };
}

export function signatureHelp(od: OpenDoc, pos: Position): SignatureHelp | null {
  const ctx = callContext(od, pos);
  if (!ctx) return null;
  const { wrapper, active } = ctx;
  return {
    signatures: [{
      label: signatureLabel(wrapper, od.doc.syntax),
      documentation: { kind: MarkupKind.Markdown, value: wrapper.doc },
      parameters: wrapper.params.map((p) => ({ label: p.name, documentation: p.doc })),
    }],
    activeSignature: 0,
    activeParameter: Math.min(active, Math.max(0, wrapper.params.length - 1)),
  };
}

function constantItem(name: string, value: number, sortText: string, gas: boolean): CompletionItem {
  return {
    label: name, kind: CompletionItemKind.Constant, detail: `= ${value}`, sortText: sortText + name,
    insertText: gas ? `$${name}` : name,
    filterText: gas ? `$${name}` : name,
  };
}

export function completion(od: OpenDoc, pos: Position): CompletionItem[] {
  const syntax = od.doc.syntax;
  const gas = syntax === 'gas';
  const ctx = callContext(od, pos);
  const items: CompletionItem[] = [];
  if (ctx) {
    const p = ctx.wrapper.params[ctx.active];
    const family = p?.constants;
    if (family) for (const [k, v] of constantsWithPrefix(family)) items.push(constantItem(k, v, '0', gas && !(od.doc.lines[pos.line] ?? '').slice(0, pos.character).endsWith('$')));
    for (const [k, v] of Object.entries(CONSTANTS)) if (!family || !k.startsWith(family)) items.push(constantItem(k, v, '1', false));
    return items;
  }
  const line = od.doc.lines[pos.line] ?? '';
  const before = line.slice(0, pos.character);
  const atMnemonic = syntax === 'c' || /^\s*(?:[A-Za-z_.$@?][\w.$@?#~]*:\s*)?[A-Za-z_]*$/.test(before);
  if (atMnemonic) {
    for (const w of wrappersFor(syntax, od.doc.bitsAt(pos.line))) {
      const snippet = syntax === 'c'
        ? `${w.name}(${w.params.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ')})`
        : `${w.name}${w.params.length ? ' ' + w.params.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ') : ''}`;
      items.push({
        label: w.name, kind: syntax === 'c' ? CompletionItemKind.Function : CompletionItemKind.Snippet,
        detail: signatureLabel(w, syntax), documentation: { kind: MarkupKind.Markdown, value: w.doc },
        insertText: snippet, insertTextFormat: InsertTextFormat.Snippet, sortText: (w.name.startsWith('HYPERVISOR_') ? '1' : '0') + w.name,
      });
    }
  }
  if (syntax === 'c' || !atMnemonic) for (const [k, v] of Object.entries(CONSTANTS)) items.push(constantItem(k, v, '2', false));
  return items;
}
