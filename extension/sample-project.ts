// "Paravirt: Create Sample Guest Project": copies the sample kernel shipped in the extension
// (examples/sample, both flavours, and the guest/ headers it includes) into a folder the user
// picks, with .vscode/tasks.json and launch.json, so F5 works at once.

import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { copySample } from './sample-files';

/** The open workspace folder the path is, or lies in. */
function openFolderOf(path: string): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(join(path, 'Makefile')))
    ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === path);
}

export async function createSampleCommand(context: vscode.ExtensionContext, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  let dest = target;
  if (!dest) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Create the sample here', title: 'Folder for the sample guest project' });
    if (!picked?.[0]) return undefined;
    dest = picked[0];
  }
  const path = dest.fsPath;
  if (existsSync(path) && readdirSync(path).length > 0) {
    const go = await vscode.window.showWarningMessage(`${path} is not empty. Files with the same names will be overwritten.`, { modal: true }, 'Create anyway');
    if (go !== 'Create anyway') return undefined;
  }
  copySample(context.extensionPath, path);
  const created = 'Paravirt sample created: a C + NASM kernel in HVM and PV flavours.';
  // A folder that is already open needs no opening: offer its first file instead.
  if (openFolderOf(path)) {
    void vscode.window.showInformationMessage(created, 'Open hvm/boot.asm').then((open) => {
      if (open) void vscode.window.showTextDocument(vscode.Uri.file(join(path, 'hvm', 'boot.asm')));
    });
    return dest;
  }
  const open = await vscode.window.showInformationMessage(created, 'Open Folder', 'Add to Workspace');
  if (open === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', dest, { forceNewWindow: false });
  else if (open === 'Add to Workspace') vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri: dest });
  return dest;
}

/** The walkthrough's "Open hvm/boot.asm": the file in the first open folder that holds the sample. */
export async function openSampleFileCommand(): Promise<void> {
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const file = join(f.uri.fsPath, 'hvm', 'boot.asm');
    if (existsSync(file)) { await vscode.window.showTextDocument(vscode.Uri.file(file)); return; }
  }
  void vscode.window.showInformationMessage('Paravirt: no open folder holds the sample (hvm/boot.asm). Create it first.', 'Create Sample Guest Project')
    .then((c) => { if (c) void vscode.commands.executeCommand('paravirt.createSampleProject'); });
}
