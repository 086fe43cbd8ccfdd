// The "VM Exits" tree in the Run and Debug container: reasons and hypercalls with counts,
// each opening onto its most recent exits; selecting an exit reveals its source line (when
// the adapter knows it) or its address in the disassembly view.

import * as vscode from 'vscode';
import { EXIT_PROFILE_REQUEST, isExitProfileBody, type ProfileFunction } from '../debug-adapter/custom-protocol';
import type { ExitEntry, ExitModel } from './exit-model';
import { exitAddress, exitAddressName, exitQualification, hypercallTitle, qualificationFields, reasonKind, reasonTitle } from './exit-text';

type Node =
  | { kind: 'group'; label: 'Exit reasons' | 'Hypercalls' | 'Costliest functions' }
  | { kind: 'function'; fn: ProfileFunction }
  | { kind: 'reason'; name: string; count: number }
  | { kind: 'hypercall'; name: string; count: number }
  | { kind: 'exit'; entry: ExitEntry }
  | { kind: 'empty'; text: string };


export class ExitsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pending: NodeJS.Timeout | undefined;

  /** The session's exits by function at the last stop (paravirt.exitProfile), costliest first. */
  functions: ProfileFunction[] = [];

  constructor(private readonly model: ExitModel) {}

  /** On a stop: which functions caused the exits so far, ranked by estimated cost. */
  async refreshFunctions(session: vscode.DebugSession | undefined = vscode.debug.activeDebugSession): Promise<void> {
    if (!session || session.type !== 'paravirt') return;
    try {
      const body: unknown = await session.customRequest(EXIT_PROFILE_REQUEST, { top: 25 });
      this.functions = isExitProfileBody(body) && body.available ? body.functions : [];
    } catch { this.functions = []; }
    this.refresh();
  }

  /** Coalesces refreshes: events can come many times a second while the guest runs. */
  refresh(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = undefined; this.changed.fire(undefined); }, 250);
  }

  dispose(): void { if (this.pending) clearTimeout(this.pending); this.changed.dispose(); }

  getChildren(node?: Node): Node[] {
    const m = this.model;
    if (!node) {
      if (m.total === 0 && m.recent.length === 0) return [{ kind: 'empty', text: 'No exits yet: start a Paravirt debug session' }];
      const out: Node[] = [{ kind: 'group', label: 'Exit reasons' }];
      if (m.hypercalls.size) out.push({ kind: 'group', label: 'Hypercalls' });
      if (this.functions.length) out.push({ kind: 'group', label: 'Costliest functions' });
      return out;
    }
    if (node.kind === 'group' && node.label === 'Costliest functions') return this.functions.map((fn) => ({ kind: 'function', fn }));
    if (node.kind === 'group') {
      const src = node.label === 'Exit reasons' ? m.byReason : m.hypercalls;
      const k = node.label === 'Exit reasons' ? 'reason' as const : 'hypercall' as const;
      return [...src.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({ kind: k, name, count }));
    }
    if (node.kind === 'reason' || node.kind === 'hypercall') {
      const list = node.kind === 'reason' ? m.recentOf(node.name, null) : m.recentOf(null, node.name);
      return list.length ? list.map((entry) => ({ kind: 'exit', entry })) : [{ kind: 'empty', text: 'none among the recent exits' }];
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'empty': return new vscode.TreeItem(node.text);
      case 'group': {
        const t = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        t.description = node.label === 'Exit reasons' ? `${this.model.total.toLocaleString('en-US')} total` : '';
        return t;
      }
      case 'reason':
      case 'hypercall': {
        const t = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = node.count.toLocaleString('en-US');
        t.iconPath = new vscode.ThemeIcon(node.kind === 'reason' ? 'debug-stackframe-dot' : 'call-outgoing');
        t.tooltip = node.kind === 'reason' ? reasonTitle(node.name) : hypercallTitle(node.name);
        t.contextValue = node.kind;
        return t;
      }
      case 'function': {
        const f = node.fn;
        const t = new vscode.TreeItem(f.name);
        const reasons = Object.entries(f.byReason).sort((a, b) => b[1] - a[1]);
        t.description = `${f.exits.toLocaleString('en-US')} · ${f.cycles.toLocaleString('en-US')} cycles (est.) · ${reasons.slice(0, 2).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`;
        t.tooltip = `${f.name}: ${f.exits} exits, ${f.cycles} estimated cycles\n${reasons.map(([k, v]) => `${k}: ${v}`).join('\n')}${f.file ? `\ncostliest line: ${f.file}:${f.line}` : ''}`;
        t.iconPath = new vscode.ThemeIcon('symbol-function');
        if (f.file && f.line) {
          const uri = /^([a-zA-Z]:)?[\\/]/.test(f.file) || !vscode.workspace.workspaceFolders?.[0] ? vscode.Uri.file(f.file) : vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, f.file);
          t.command = { command: 'vscode.open', title: 'Open', arguments: [uri, { selection: new vscode.Range(f.line - 1, 0, f.line - 1, 0) }] };
        }
        t.contextValue = 'function';
        return t;
      }
      case 'exit': {
        const e = node.entry;
        const t = new vscode.TreeItem(`#${e.seq} ${e.hypercall ?? e.reasonName}`);
        const where = e.source ? `${e.source.path.split(/[\\/]/).pop()}:${e.source.line}` : exitAddress(e);
        t.description = `${where} · ${e.cycles.toLocaleString('en-US')} cycles (est.)`;
        t.tooltip = new vscode.MarkdownString([
          `**${e.reasonName}** (${reasonKind(e)})`,
          `- qualification: \`${exitQualification(e)}\``,
          ...qualificationFields(e).map((f) => `  - ${f}`),
          `- ${exitAddressName(e)} \`${exitAddress(e)}\`, CPL ${e.cpl}, instruction ${e.icount.toLocaleString('en-US')}`,
          e.bytes ? `- bytes: \`${e.bytes}\`` : '',
          e.description ? `- ${e.description}` : '',
          `- handler: ${e.handler || '—'}; estimated cost ${e.cycles} cycles (a model, not a measurement)`,
        ].filter(Boolean).join('\n'));
        t.command = { command: 'paravirt.revealExit', title: 'Reveal', arguments: [e] };
        t.contextValue = 'exit';
        return t;
      }
    }
  }
}

/** The source line of an address, from the adapter's disassembly (DAP resolves it there). */
async function sourceOf(address: string): Promise<{ path: string; line: number } | string> {
  const session = vscode.debug.activeDebugSession;
  if (session?.type !== 'paravirt') return 'no Paravirt session';
  try {
    const r = await session.customRequest('disassemble', { memoryReference: address, instructionCount: 1, resolveSymbols: true }) as
      { instructions?: Array<{ location?: { path?: string }; line?: number }> } | undefined;
    const i = r?.instructions?.[0];
    return i?.location?.path && i.line ? { path: i.location.path, line: i.line } : 'no source line';
  } catch (err) { return (err as Error).message; }
}

/** Opens the exit's source line when known, else the disassembly view. */
export async function revealExit(e: ExitEntry): Promise<void> {
  const found = e.source ?? await sourceOf(exitAddress(e));
  const src = typeof found === 'string' ? undefined : found;
  let why = typeof found === 'string' ? found : '';
  if (src) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    // VS Code hands DAP source paths back to extensions as URI strings when the folder is remote.
    const uri = /^[a-z][\w+.-]+:\/\//i.test(src.path) ? vscode.Uri.parse(src.path)
      : /^([a-zA-Z]:)?[\\/]/.test(src.path) || !folder ? vscode.Uri.file(src.path) : vscode.Uri.joinPath(folder, src.path);
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = Math.max(0, Math.min(doc.lineCount - 1, src.line - 1));
      const editor = await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false });
      editor.selection = new vscode.Selection(line, 0, line, doc.lineAt(line).text.length);
      editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    } catch (err) { why = `${src.path}: ${(err as Error).message}`; /* fall through to the disassembly */ }
  }
  void vscode.window.setStatusBarMessage(`Paravirt: exit #${e.seq} at ${exitAddress(e)}: ${why}`, 8000);
  if (vscode.debug.activeDebugSession?.type === 'paravirt') {
    // The public command opens the disassembly at the focused frame; there is no API to open it at an address.
    try { await vscode.commands.executeCommand('debug.action.openDisassemblyView'); } catch { /* older VS Code */ }
  }
}
