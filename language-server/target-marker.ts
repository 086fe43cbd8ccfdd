// The code action that says "this file is HVM code": it writes the `paravirt: target=hvm`
// comment the analyzer reads (or turns an existing `target=pv` into it), so a bare-metal
// flavour stops being checked as PV. Offered beside every PV finding, fixable or not: for
// `lgdt` or port I/O in a file that really runs on bare hardware, it is the right answer.

import { CodeAction, CodeActionKind, type Diagnostic } from 'vscode-languageserver/node';
import type { OpenDoc } from './state';

/** The marker line in the file's own comment syntax. */
export function markerLine(od: OpenDoc): string {
  if (od.doc.syntax === 'nasm') return '; paravirt: target=hvm';
  // .S goes through the C preprocessor, where a `#` line is a directive: use a C comment.
  if (od.doc.syntax === 'gas' && !/\.S$/.test(od.path)) return '# paravirt: target=hvm';
  return '/* paravirt: target=hvm */';
}

export function markHvmAction(od: OpenDoc, diagnostics: Diagnostic[]): CodeAction {
  const lines = od.doc.lines;
  // `target=pv64` (a 64-bit PV kernel) keeps its mode: only `pv` becomes `hvm`.
  const existing = lines.findIndex((l) => /paravirt:\s*target\s*=\s*pv(?:16|32|64)?\b/i.test(l));
  let edit;
  if (existing >= 0) {
    const m = /(paravirt:\s*target\s*=\s*)pv(?:16|32|64)?\b/i.exec(lines[existing])!;
    const at = m.index + m[1].length;
    edit = { range: { start: { line: existing, character: at }, end: { line: existing, character: at + 2 } }, newText: 'hvm' };
  } else {
    edit = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: markerLine(od) + '\n' };
  }
  const action = CodeAction.create('Mark this file as HVM code (paravirt: target=hvm)', { changes: { [od.uri]: [edit] } }, CodeActionKind.QuickFix);
  action.diagnostics = diagnostics;
  return action;
}
