// "Paravirt: Create Sample Guest Project": copies the sample kernel shipped in the extension
// (examples/sample, both flavours, and the guest/ headers it includes) into a folder the user
// picks, with .vscode/tasks.json and launch.json, so F5 works at once.

import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { copySample } from './sample-files';

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
  const open = await vscode.window.showInformationMessage('Paravirt sample created: a C + NASM kernel in HVM and PV flavours.', 'Open Folder', 'Add to Workspace');
  if (open === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', dest, { forceNewWindow: false });
  else if (open === 'Add to Workspace') vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri: dest });
  return dest;
}
