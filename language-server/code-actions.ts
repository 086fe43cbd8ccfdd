// Quick fixes (one per fixable diagnostic) and source.fixAll.paravirt (every safe fix at once).
// Each carries the include edit when the wrapper header is missing.

import { CodeAction, CodeActionKind, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';
import { includeEdit, planFix, type FixPlan } from './analyzer/fixes';
import type { HitFinding } from './analyzer/rules';
import type { Range } from './analyzer/types';
import type { OpenDoc, ServerState } from './state';
import { toDiagnostic } from './diagnostics';
import { markHvmAction } from './target-marker';

export const FIX_ALL_KIND = 'source.fixAll.paravirt';

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}
function overlaps(a: Range, b: Range): boolean { return !before(a.end, b.start) && !before(b.end, a.start); }

/** Instruction edits plus the include edit, merged when they would start at the same position. */
export function editsFor(od: OpenDoc, items: HitFinding[]): TextEdit[] {
  const edits: TextEdit[] = [];
  // The first fixed line of each mode: 64-bit code needs the 64-bit wrappers' include.
  const firstLine = new Map<number, number>();
  for (const item of items) {
    if (!item.finding.fixable) continue;
    const fix: FixPlan = planFix(od.doc, item.hit);
    if (!fix.ok) continue;
    edits.push({ range: fix.edit.range, newText: fix.edit.newText });
    // (C has one header for both modes: one include.)
    const bits = item.hit.bits === 64 && od.doc.syntax !== 'c' ? 64 : 32;
    firstLine.set(bits, Math.min(firstLine.get(bits) ?? Infinity, fix.edit.range.start.line));
  }
  if (!edits.length) return edits;
  for (const [bits, line] of firstLine) {
    const inc = includeEdit(od.doc, line, bits);
    if (!inc) continue;
    const same = edits.find((e) => e.range.start.line === inc.range.start.line && e.range.start.character === 0);
    if (same) same.newText = inc.newText + same.newText;
    else edits.push(inc);
  }
  return edits;
}

function wants(only: string[] | undefined, kind: string): boolean {
  if (!only || only.length === 0) return true;
  return only.some((k) => kind === k || kind.startsWith(k + '.'));
}

export function codeActions(state: ServerState, od: OpenDoc, params: CodeActionParams): CodeAction[] {
  const all = state.analyze(od);
  const out: CodeAction[] = [];
  const only = params.context.only;
  if (wants(only, CodeActionKind.QuickFix)) {
    const diags = params.context.diagnostics.filter((d) => d.source === 'paravirt');
    const candidates = all.filter((h) => overlaps(h.finding.range, params.range)
      || diags.some((d) => d.code === h.finding.code && overlaps(d.range, h.finding.range)));
    for (const hf of candidates) {
      const fix = hf.finding.fixable ? planFix(od.doc, hf.hit) : null;
      if (!fix || !fix.ok) continue;
      const diag: Diagnostic = diags.find((d) => d.code === hf.finding.code && overlaps(d.range, hf.finding.range)) ?? toDiagnostic(hf.finding);
      const action = CodeAction.create(`Replace with ${fix.replacement} (${hf.finding.code})`, { changes: { [od.uri]: editsFor(od, [hf]) } }, CodeActionKind.QuickFix);
      action.diagnostics = [diag];
      action.isPreferred = true;
      out.push(action);
    }
    // Findings checked as PV (no target=hvm marker wins over the setting) can also be
    // answered by saying the file is HVM code.
    const pvFindings = candidates.filter((hf) => hf.finding.code.startsWith('PV'));
    if (pvFindings.length && (od.doc.targetOverride() ?? state.settings.target) === 'pv') {
      const related = diags.filter((d) => pvFindings.some((hf) => d.code === hf.finding.code && overlaps(d.range, hf.finding.range)));
      out.push(markHvmAction(od, related.length ? related : pvFindings.map((hf) => toDiagnostic(hf.finding))));
    }
  }
  if (only && only.some((k) => FIX_ALL_KIND === k || FIX_ALL_KIND.startsWith(k + '.') || k === CodeActionKind.SourceFixAll)) {
    const edits = editsFor(od, all);
    if (edits.length) out.push(CodeAction.create('Rewrite every privileged instruction into PV wrappers', { changes: { [od.uri]: edits } }, FIX_ALL_KIND));
  }
  return out;
}
