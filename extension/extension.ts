// Activation: the language client, the debug adapter factory and configuration provider,
// the views fed by the session's custom events, and the commands. The only place that
// knows about VS Code; everything it shows comes from the adapter and the language server.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createLanguageClient } from './language-client';
import { ParavirtAdapterFactory } from './debug-adapter-factory';
import { ParavirtConfigurationProvider } from './configuration-provider';
import { ExitModel } from './exit-model';
import { EXITS_EVENT } from '../debug-adapter/custom-protocol';
import { ExitsView, revealExit } from './exits-view';
import { GuestScreen } from './guest-screen';
import { KernelLogView, TasksView } from './linux-views';
import { SessionStatus } from './status-bar';
import { compareCommand } from './compare-command';
import { createSampleCommand, openSampleFileCommand } from './sample-project';
import { exportTraceCommand } from './export-trace';
import { fixAllCommand } from './fix-all';
import { HypervisorConsole } from './hypervisor-console';
import { MemoryView } from './memory-view';
import { WalkthroughProgress } from './walkthrough-progress';
import type { TaskInfo } from '../debug-adapter/custom-protocol';

let client: LanguageClient | undefined;

/** Requests after which the guest runs again (the adapter sends no `continued` event for them). */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restart']);

/** What activate() returns: enough for other extensions and tests to observe a session. */
export interface ParavirtApi {
  exits: ExitModel;
  guestScreenStatus(): string;
  memoryViewStatus(): string;
  /** The Kernel Log and Tasks views' contents (a Linux guest's dmesg and task list at the last stop). */
  linuxViews(): { kernelLog: string[]; kernelLogStatus: string; tasks: TaskInfo[]; tasksStatus: string };
}

export async function activate(context: vscode.ExtensionContext): Promise<ParavirtApi> {
  const output = vscode.window.createOutputChannel('Paravirt');
  const model = new ExitModel();
  const exitsView = new ExitsView(model);
  const screen = new GuestScreen(context.extensionUri);
  const status = new SessionStatus(model);
  const configProvider = new ParavirtConfigurationProvider();
  const hypervisorConsole = new HypervisorConsole();
  const memoryView = new MemoryView(context.extensionUri);
  const kernelLog = new KernelLogView();
  const tasks = new TasksView();
  context.subscriptions.push(output, exitsView, screen, status, hypervisorConsole, memoryView, kernelLog, tasks);
  const walkthrough = new WalkthroughProgress(context.extension.id);
  walkthrough.markSampleIfPresent();

  const exitsTree = vscode.window.createTreeView('paravirt.exits', { treeDataProvider: exitsView });
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('paravirt', new ParavirtAdapterFactory(context)),
    // One provider resolves (and offers launch.json's first configurations); a second,
    // list-only one feeds the dynamic configurations of the Run and Debug picker.
    vscode.debug.registerDebugConfigurationProvider('paravirt', configProvider, vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider('paravirt', {
      provideDebugConfigurations: (folder) => configProvider.provideDebugConfigurations(folder),
    }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    exitsTree,
    exitsTree.onDidChangeVisibility((e) => { if (e.visible) walkthrough.mark('exits'); }),
    vscode.window.registerWebviewViewProvider(GuestScreen.viewId, screen, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerTreeDataProvider(KernelLogView.viewId, kernelLog),
    vscode.window.registerTreeDataProvider(TasksView.viewId, tasks),
  );

  // Session wiring: exits stream in as custom events; stops refresh the screen at once.
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== 'paravirt') return;
      walkthrough.mark('debug');
      model.reset();
      hypervisorConsole.sessionStarted(s.name);
      exitsView.refresh();
      status.show(String(s.configuration.mode ?? 'hvm'));
      screen.sessionStarted();
      kernelLog.sessionStarted();
      tasks.sessionStarted();
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== 'paravirt') return;
      status.hide();
      screen.sessionEnded();
      kernelLog.sessionEnded();
      tasks.sessionEnded();
      exitsView.refresh();
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'paravirt') return;
      if (e.event === 'paravirt.hypervisorConsole') { hypervisorConsole.write(e.body); return; }
      if (e.event !== EXITS_EVENT) return;
      if (model.apply(e.body, Date.now())) { exitsView.refresh(); status.update(); }
    }),
    vscode.debug.registerDebugAdapterTrackerFactory('paravirt', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type !== 'event') return;
          if (m.event === 'stopped') {
            status.setState('stopped');
            void screen.refresh(); void memoryView.refresh(); void kernelLog.refresh(); void tasks.refresh(); void exitsView.refreshFunctions();
          }
          else if (m.event === 'continued') status.setState('running');
          else if (m.event === 'exited') status.setState('ended');
        },
        onWillReceiveMessage: (m: { type?: string; command?: string }) => {
          if (m.type === 'request' && m.command && RESUMING.has(m.command)) status.setState('running');
        },
      }),
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('paravirt.createSampleProject', async (target?: vscode.Uri) => {
      const made = await createSampleCommand(context, target);
      if (made) walkthrough.mark('sample');
      return made;
    }),
    vscode.commands.registerCommand('paravirt.compare', async (args?: { hvm?: string; pv?: string }) => {
      const panel = await compareCommand(context, output, args);
      if (panel) walkthrough.mark('compare');
      return panel;
    }),
    vscode.commands.registerCommand('paravirt.exportExitTrace', (args?: { format?: 'jsonl' | 'csv'; path?: string }) => exportTraceCommand(model, args)),
    vscode.commands.registerCommand('paravirt.fixAll', async () => {
      const fixed = await fixAllCommand();
      if (fixed > 0) walkthrough.mark('lint');
      return fixed;
    }),
    vscode.commands.registerCommand('paravirt.revealExit', revealExit),
    vscode.commands.registerCommand('paravirt.openSampleFile', openSampleFileCommand),
    vscode.commands.registerCommand('paravirt.showMemory', (where?: Parameters<MemoryView['show']>[0], physical?: boolean) => memoryView.show(where, physical === true)),
    vscode.commands.registerCommand('paravirt.showGuestScreen', () => vscode.commands.executeCommand(`${GuestScreen.viewId}.focus`)),
    vscode.commands.registerCommand('paravirt.debugKernel', () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      return vscode.debug.startDebugging(folder, { type: 'paravirt', request: 'launch', name: 'Paravirt: debug kernel' });
    }),
    vscode.commands.registerCommand('paravirt.restartLanguageServer', async () => { await client?.restart(); }),
  );

  client = createLanguageClient(context);
  try {
    await client.start();
  } catch (e) {
    output.appendLine(`language server did not start: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`Paravirt: the language server did not start (${(e as Error).message}). Debugging still works.`);
  }

  return {
    exits: model, guestScreenStatus: () => screen.lastStatus, memoryViewStatus: () => memoryView.lastStatus,
    linuxViews: () => ({ kernelLog: kernelLog.lines.slice(), kernelLogStatus: kernelLog.lastStatus, tasks: tasks.tasks.slice(), tasksStatus: tasks.lastStatus }),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
