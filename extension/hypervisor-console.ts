// "Paravirt: Xen Console": a PV guest's console_io output (Xen's own console, what `xl
// dmesg` shows), kept apart from its console ring and serial output in the Debug Console
// (what `xl console` shows). Fed by the adapter's `paravirt.hypervisorConsole` events.

import * as vscode from 'vscode';

export class HypervisorConsole implements vscode.Disposable {
  private channel: vscode.OutputChannel | null = null;
  private shownThisSession = false;

  sessionStarted(name: string): void {
    this.shownThisSession = false;
    this.channel?.appendLine(`--- ${name} ---`);
  }

  write(body: unknown): void {
    const text = body && typeof body === 'object' ? (body as { output?: unknown }).output : undefined;
    if (typeof text !== 'string' || text === '') return;
    this.channel ??= vscode.window.createOutputChannel('Paravirt: Xen Console');
    this.channel.append(text);
    // Once per session, without taking the focus from the editor or the Debug Console.
    if (!this.shownThisSession) { this.shownThisSession = true; this.channel.show(true); }
  }

  dispose(): void { this.channel?.dispose(); }
}
