// The exit trace as JSON Lines or CSV (RFC 4180 quoting). No vscode import.

import type { ExitEntry } from './exit-model';
import { exitAddress, exitQualification } from './exit-text';

export const CSV_COLUMNS = ['seq', 'reason', 'reasonName', 'qualification', 'eip', 'cpl', 'icount', 'cycles', 'handler', 'hypercall', 'bytes', 'sourcePath', 'sourceLine'] as const;

function row(e: ExitEntry): Record<(typeof CSV_COLUMNS)[number], string | number> {
  return {
    seq: e.seq, reason: e.reason, reasonName: e.reasonName, qualification: exitQualification(e), eip: exitAddress(e), cpl: e.cpl,
    icount: e.icount, cycles: e.cycles, handler: e.handler, hypercall: e.hypercall ?? '', bytes: e.bytes ?? '',
    sourcePath: e.source?.path ?? '', sourceLine: e.source?.line ?? '',
  };
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toJsonLines(entries: readonly ExitEntry[]): string {
  return entries.map((e) => JSON.stringify(row(e))).join('\n') + (entries.length ? '\n' : '');
}

export function toCsv(entries: readonly ExitEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) { const r = row(e); lines.push(CSV_COLUMNS.map((c) => csvField(r[c])).join(',')); }
  return lines.join('\r\n') + '\r\n';
}
