// F5 without launch.json: find the kernel ELF (or ask for it) and the mode, and offer one
// dynamic configuration per kernel found for the "Run and Debug" picker.

import * as vscode from 'vscode';
import { relative } from 'node:path';
import { findKernels, guessMode, kernelLabel } from './find-kernels';

export class ParavirtConfigurationProvider implements vscode.DebugConfigurationProvider {
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('Paravirt does not launch guest kernels in an untrusted workspace. Trust the folder first.');
      return undefined;
    }
    if (config.type && config.request && config.program) return withDefaults(folder, config);
    // No launch.json (or an empty configuration): build one.
    const root = folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const program = await pickKernel(root);
    if (!program) return undefined;
    const mode = await pickMode(program);
    if (!mode) return undefined;
    return withDefaults(folder, { type: 'paravirt', request: 'launch', name: `Paravirt: ${mode.toUpperCase()}`, program, mode, stopOnEntry: false });
  }

  provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration[] {
    const root = folder?.uri.fsPath;
    if (!root) return [];
    return findKernels(root).map((p) => {
      const rel = relative(root, p);
      const mode = guessMode(p);
      return { type: 'paravirt', request: 'launch', name: `Paravirt: ${rel} (${kernelLabel(p)})`, program: `\${workspaceFolder}/${rel}`, mode, cwd: '${workspaceFolder}' };
    });
  }
}

function withDefaults(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
  // Relative paths in the debug info (gcc -ffile-prefix-map=...=.) resolve against the folder.
  if (config.cwd === undefined && folder) config.cwd = folder.uri.fsPath;
  // The history budget: launch.json's own value wins over the setting.
  const historyMiB = vscode.workspace.getConfiguration('paravirt').get<number | null>('debug.historyMemory', null);
  if (config.historyMemory === undefined && typeof historyMiB === 'number') config.historyMemory = historyMiB;
  return config;
}

async function pickKernel(root: string | undefined): Promise<string | undefined> {
  const found = root ? findKernels(root) : [];
  if (found.length === 1) return found[0];
  const browse = 'Browse…';
  if (found.length > 1) {
    const items = [...found.map((p) => ({ label: root ? relative(root, p) : p, description: kernelLabel(p), path: p })), { label: browse, description: '', path: '' }];
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Which guest kernel (ELF or Linux bzImage) should Paravirt run?' });
    if (!pick) return undefined;
    if (pick.path) return pick.path;
  }
  const uris = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Debug this kernel', title: 'Guest kernel (ELF32, ELF64 or Linux bzImage)', defaultUri: root ? vscode.Uri.file(root) : undefined });
  return uris?.[0]?.fsPath;
}

async function pickMode(program: string): Promise<'hvm' | 'pv' | 'pvh' | undefined> {
  const guess = guessMode(program);
  const items = [
    { label: 'HVM', description: 'unmodified kernel at ring 0; privileged events become VM exits', mode: 'hvm' as const },
    { label: 'PV', description: 'Xen-style paravirtualized kernel in ring 1, or ring 3 for x86-64 (needs Xen ELF notes)', mode: 'pv' as const },
    { label: 'PVH', description: 'Xen PVH: ring 0 in an HVM container with no legacy devices (needs XEN_ELFNOTE_PHYS32_ENTRY)', mode: 'pvh' as const },
  ];
  // The guess first.
  items.sort((a, b) => Number(b.mode === guess) - Number(a.mode === guess));
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Run the kernel as' });
  return pick?.mode;
}
