// The status bar item during a Paravirt session: mode, and guest MIPS and exit rate while
// the guest runs, or its totals while it is stopped.

import * as vscode from 'vscode';
import type { ExitModel } from './exit-model';
import { statusText, type SessionState } from './status-text';

export class SessionStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('paravirt.status', vscode.StatusBarAlignment.Left, 50);
  private state: SessionState = 'running';

  constructor(private readonly model: ExitModel) {
    this.item.name = 'Paravirt session';
    this.item.command = 'paravirt.exits.focus';
  }

  show(mode: string): void {
    this.model.mode = mode === 'pv' ? 'pv' : 'hvm';
    this.state = 'running';
    this.update();
    this.item.show();
  }

  setState(state: SessionState): void {
    if (state !== 'running') this.model.markStopped();
    this.state = state;
    this.update();
  }

  update(): void {
    const { text, tooltip } = statusText(this.model, this.state);
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  hide(): void { this.item.hide(); }
  dispose(): void { this.item.dispose(); }
}
