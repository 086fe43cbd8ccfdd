// The status bar item during a Paravirt session: mode, guest MIPS and exit rate.

import * as vscode from 'vscode';
import type { ExitModel } from './exit-model';

export class SessionStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('paravirt.status', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly model: ExitModel) {
    this.item.name = 'Paravirt session';
    this.item.command = 'paravirt.exits.focus';
  }

  show(mode: string): void {
    this.model.mode = mode === 'pv' ? 'pv' : 'hvm';
    this.update();
    this.item.show();
  }

  update(): void {
    const mode = (this.model.mode || 'hvm').toUpperCase();
    const r = this.model.rates();
    const rate = r ? `${r.mips.toFixed(1)} MIPS · ${Math.round(r.exitsPerSecond).toLocaleString('en-US')} exits/s` : `${this.model.total.toLocaleString('en-US')} exits`;
    this.item.text = `$(vm) ${mode} · ${rate}`;
    this.item.tooltip = `Paravirt ${mode} session: ${this.model.total.toLocaleString('en-US')} exits so far. Rates are wall-clock over the last seconds; cycles elsewhere are estimates.`;
  }

  hide(): void { this.item.hide(); }
  dispose(): void { this.item.dispose(); }
}
