// "Paravirt: Apply All Hypercall Fixes": asks the language server for its
// source.fixAll.paravirt action on the active file and applies it.

import * as vscode from 'vscode';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('paravirt');

export async function fixAllCommand(): Promise<number> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) { void vscode.window.showWarningMessage('Paravirt: open an assembly or C file first.'); return 0; }
  const doc = editor.document;
  const whole = new vscode.Range(0, 0, doc.lineCount, 0);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, whole, FIX_ALL_KIND.value) ?? [];
  let applied = 0;
  for (const a of actions) {
    if (!a.kind || !FIX_ALL_KIND.contains(a.kind)) continue;
    if (a.edit && await vscode.workspace.applyEdit(a.edit)) applied++;
    if (a.command) await vscode.commands.executeCommand(a.command.command, ...(a.command.arguments ?? []));
  }
  if (!applied) void vscode.window.showInformationMessage('Paravirt: nothing to fix in this file.');
  return applied;
}
