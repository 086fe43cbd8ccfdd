// Where the debug adapter runs: inline in the extension host by default (no process to
// start, breakpoints bind at once), or as dist/debug-adapter.js over stdio when the setting
// `paravirt.debugAdapter.mode` is "executable" (what other editors use, and what tests pin).

import * as vscode from 'vscode';
import { createInlineSession } from './inline-session';
import { EXTENSION_SETTINGS, type DebugAdapterMode } from './settings';

export class ParavirtAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(_session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const mode = vscode.workspace.getConfiguration('paravirt').get<DebugAdapterMode>('debugAdapter.mode', EXTENSION_SETTINGS['debugAdapter.mode'].default);
    if (mode !== 'executable') return new vscode.DebugAdapterInlineImplementation(createInlineSession());
    const program = this.context.asAbsolutePath('dist/debug-adapter.js');
    return new vscode.DebugAdapterExecutable(process.execPath, [program], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  }
}
