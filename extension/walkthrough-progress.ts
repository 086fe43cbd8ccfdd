// Ticks the walkthrough's steps when the extension itself sees them done. The workbench's
// walkthrough service is created lazily: its completion events (onCommand, onContext,
// onView) are only listened for once something in this window has opened a walkthrough or
// the Welcome page. A user who follows the README without the walkthrough open, or whose
// window reloaded on Open Folder, would find no step ticked afterwards. Marking a step also
// creates the service, so the declared events (the lint step's quick fix) count from then on.

import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The walkthrough's id in package.json's contributes.walkthroughs. */
export const WALKTHROUGH_ID = 'paravirt.gettingStarted';
export type WalkthroughStep = 'sample' | 'lint' | 'debug' | 'exits' | 'compare';

export class WalkthroughProgress {
  private readonly marked = new Set<WalkthroughStep>();

  constructor(private readonly extensionId: string) {}

  /** The workbench's id of a step: extension id, walkthrough id and step id joined by '#'. */
  stepId(step: WalkthroughStep): string {
    return `${this.extensionId}#${WALKTHROUGH_ID}#${step}`;
  }

  /** Marks a step done; once per window. A host without walkthroughs is left alone. */
  mark(step: WalkthroughStep): void {
    if (this.marked.has(step)) return;
    this.marked.add(step);
    void Promise.resolve(vscode.commands.executeCommand('welcome.markStepComplete', this.stepId(step))).catch(() => undefined);
  }

  /** On activation: an open folder that already holds the sample has done the first step. */
  markSampleIfPresent(): void {
    if ((vscode.workspace.workspaceFolders ?? []).some((f) => existsSync(join(f.uri.fsPath, 'hvm', 'boot.asm')) && existsSync(join(f.uri.fsPath, 'pv')))) this.mark('sample');
  }
}
