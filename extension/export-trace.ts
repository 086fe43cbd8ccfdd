// "Paravirt: Export Exit Trace": the session's exit log as JSON Lines or CSV. It asks the
// adapter for the full log (custom request `paravirt.exitLog`, paged); when the adapter
// cannot answer (no session, or the session ended) it writes the exits the view kept, which
// the adapter's events bring in whole unless the guest exits faster than they carry.

import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import { toExitEntry, type ExitEntry, type ExitModel } from './exit-model';
import { EXIT_LOG_REQUEST, isExitLogBody, type ExitLogArguments } from '../debug-adapter/custom-protocol';
import { toCsv, toJsonLines } from './trace-format';

const PAGE = 5000;
const MAX = 1_000_000;

async function fetchLog(session: vscode.DebugSession): Promise<ExitEntry[]> {
  const out: ExitEntry[] = [];
  let from = 0;
  while (out.length < MAX) {
    const args: ExitLogArguments = { from, count: PAGE };
    const body: unknown = await session.customRequest(EXIT_LOG_REQUEST, args);
    if (!isExitLogBody(body)) break;
    const list = body.records;
    for (const r of list) { const e = toExitEntry(r); if (e) out.push(e); }
    if (list.length < PAGE) break;
    from += list.length;
  }
  return out;
}

export async function exportTraceCommand(model: ExitModel, args?: { format?: 'jsonl' | 'csv'; path?: string }): Promise<string | undefined> {
  let entries: ExitEntry[] = [];
  let source = 'the adapter\'s full exit log';
  const session = vscode.debug.activeDebugSession;
  if (session?.type === 'paravirt') {
    try { entries = await fetchLog(session); } catch { entries = []; }
  }
  if (entries.length === 0) {
    entries = [...model.recent];
    source = model.dropped === 0
      ? 'the whole session, as the view kept it'
      : `the last ${entries.length.toLocaleString('en-US')} of the session's ${model.total.toLocaleString('en-US')}; the view did not keep ${model.dropped.toLocaleString('en-US')} earlier ones`;
  }
  if (entries.length === 0) { void vscode.window.showWarningMessage('Paravirt: no exits to export. Run a debug session first.'); return undefined; }
  let format = args?.format;
  if (!format) {
    const p = await vscode.window.showQuickPick([{ label: 'JSON Lines', format: 'jsonl' as const }, { label: 'CSV', format: 'csv' as const }], { placeHolder: 'Trace format' });
    if (!p) return undefined;
    format = p.format;
  }
  let path = args?.path;
  if (!path) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `exits.${format}`) : undefined,
      filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
    });
    if (!uri) return undefined;
    path = uri.fsPath;
  }
  writeFileSync(path, format === 'csv' ? toCsv(entries) : toJsonLines(entries));
  void vscode.window.showInformationMessage(`Paravirt: wrote ${entries.length.toLocaleString('en-US')} exits (${source}) to ${path}`);
  return path;
}
