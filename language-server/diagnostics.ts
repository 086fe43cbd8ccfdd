// Findings -> LSP diagnostics.

import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver/node';
import type { InactiveRegion } from './analyzer/preprocessor';
import { pathToFileURL } from 'node:url';
import type { Finding } from './analyzer/types';

const SEV = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint } as const;

export function toDiagnostic(f: Finding): Diagnostic {
  return {
    range: f.range,
    severity: SEV[f.severity],
    source: 'paravirt',
    code: f.code,
    codeDescription: { href: f.href },
    message: f.message,
    ...(f.related ? { relatedInformation: f.related.map((r) => ({ location: { uri: pathToUri(r.path), range: r.range }, message: r.message })) } : {}),
  };
}

function pathToUri(path: string): string {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) ? pathToFileURL(path).href : path;
}

export function truncationNotice(lines: number): Diagnostic {
  return {
    range: { start: { line: lines, character: 0 }, end: { line: lines, character: 0 } },
    severity: DiagnosticSeverity.Information,
    source: 'paravirt',
    code: 'PV000',
    message: `paravirt analysed only the first ${lines} lines of this file (setting paravirt.maxLines); the rest is not checked.`,
  };
}

/** An #if branch the project's defines rule out: a hint tagged unnecessary, which editors grey. */
export function inactiveNotice(r: InactiveRegion, endColumn: number): Diagnostic {
  return {
    range: { start: { line: r.startLine, character: 0 }, end: { line: r.endLine, character: endColumn } },
    severity: DiagnosticSeverity.Hint,
    source: 'paravirt',
    tags: [DiagnosticTag.Unnecessary],
    message: `${r.reason}; not checked.`,
  };
}
