// "Paravirt: Memory": guest memory in a webview panel, with no other extension needed. It
// reads and writes through the session's DAP readMemory/writeMemory (linear addresses, or
// physical ones as `phys:0x...`), resolves expressions through `evaluate`, and refreshes on
// every stop. Opened by command, from a variable's context menu, or from the Registers scope.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { addressAdd, memoryReference, memoryRows, parseAddressText, parseByte, parseTarget, type MemoryTarget } from './memory-format';

const DEFAULT_LENGTH = 256;
const MAX_LENGTH = 64 * 1024;

interface ReadResult { address: number; bytes: Uint8Array }

export class MemoryView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private target: MemoryTarget | null = null;
  private text = '';
  private length = DEFAULT_LENGTH;
  private lastAddress = 0;
  /** What the panel shows, for tests and the status line. */
  lastStatus = 'nothing read yet';

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Opens the panel; `where` is an address/expression text or a variable from the Variables view. */
  async show(where?: string | { variable?: { memoryReference?: string; evaluateName?: string; name?: string } }, physical = false): Promise<void> {
    let text: string | undefined;
    if (typeof where === 'string') text = where;
    else if (where?.variable?.memoryReference) text = where.variable.memoryReference;
    if (text === undefined && !this.target) {
      text = await vscode.window.showInputBox({ title: 'Paravirt: Memory', prompt: 'Address (0x..., phys:0x... for physical) or expression', value: '$esp' });
      if (text === undefined) return;
    }
    this.ensurePanel();
    if (text !== undefined) this.setTarget(text, physical);
    await this.refresh();
  }

  private setTarget(text: string, physical: boolean): void {
    try {
      this.target = parseTarget(text, physical);
      this.text = text.trim();
    } catch (e) {
      this.post({ type: 'status', status: (e as Error).message, error: true });
    }
  }

  private ensurePanel(): void {
    if (this.panel) { this.panel.reveal(undefined, true); return; }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('paravirt.memory', 'Paravirt: Memory', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
    const w = panel.webview;
    const nonce = randomBytes(16).toString('base64url');
    w.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}' ${w.cspSource};">
<link rel="stylesheet" href="${w.asWebviewUri(vscode.Uri.joinPath(media, 'memory-view.css'))}"></head>
<body><form id="go"><input id="where" aria-label="Address or expression" placeholder="0x100000, phys:0xb8000, &amp;idt, $esp">
<label><input id="physical" type="checkbox"> physical</label>
<input id="length" type="number" min="16" max="${MAX_LENGTH}" step="16" value="${DEFAULT_LENGTH}" aria-label="Bytes">
<button type="submit">Go</button></form>
<div id="status"></div><table id="dump" aria-label="Guest memory"></table>
<script nonce="${nonce}" src="${w.asWebviewUri(vscode.Uri.joinPath(media, 'memory-view.js'))}"></script></body></html>`;
    w.onDidReceiveMessage((m: { type?: string; where?: string; physical?: boolean; length?: number; offset?: number; value?: string }) => {
      if (m.type === 'go' && typeof m.where === 'string') {
        this.length = Math.min(MAX_LENGTH, Math.max(16, Math.floor(Number(m.length) || DEFAULT_LENGTH)));
        this.setTarget(m.where, m.physical === true);
        void this.refresh();
      } else if (m.type === 'write' && typeof m.offset === 'number' && typeof m.value === 'string') {
        void this.write(m.offset, m.value);
      }
    });
    panel.onDidDispose(() => { this.panel = undefined; });
    this.panel = panel;
  }

  private post(m: unknown): void { void this.panel?.webview.postMessage(m); }

  private session(): vscode.DebugSession | undefined {
    const s = vscode.debug.activeDebugSession;
    return s?.type === 'paravirt' ? s : undefined;
  }

  /** Called on every stop: the panel shows memory as the stopped guest has it. */
  async refresh(): Promise<void> {
    if (!this.panel || !this.target) return;
    const session = this.session();
    if (!session) { this.status('no stopped Paravirt session', true); return; }
    try {
      const r = await this.read(session, this.target);
      this.lastAddress = r.address;
      const rows = memoryRows(r.address, r.bytes, this.length);
      const where = memoryReference(r.address, this.target.physical);
      const unreadable = this.length - r.bytes.length;
      this.lastStatus = `${this.text} = ${where} · ${this.length} bytes${unreadable ? ` (${unreadable} unreadable)` : ''} · ${new Date().toLocaleTimeString()}`;
      this.post({ type: 'dump', rows, status: this.lastStatus, where: this.text, physical: this.target.physical });
    } catch (e) {
      this.status(`cannot read ${this.text}: ${(e as Error).message}`, true);
    }
  }

  private status(text: string, error = false): void { this.lastStatus = text; this.post({ type: 'status', status: text, error }); }

  private async read(session: vscode.DebugSession, t: MemoryTarget): Promise<ReadResult> {
    let address = t.address;
    if (address === undefined) {
      const frames = await session.customRequest('stackTrace', { threadId: 1, levels: 1 }) as { stackFrames?: Array<{ id: number }> };
      const r = await session.customRequest('evaluate', { expression: t.expression, context: 'watch', frameId: frames.stackFrames?.[0]?.id }) as { memoryReference?: string; result?: string };
      const ref = r.memoryReference ?? /^0x[0-9a-f]+/i.exec(r.result ?? '')?.[0];
      if (!ref) throw new Error(`'${t.expression}' has no address (its value is ${r.result})`);
      address = parseAddressText(ref.replace(/^phys:/i, ''));
    }
    const r = await session.customRequest('readMemory', { memoryReference: memoryReference(address, t.physical), count: this.length }) as { data?: string };
    return { address, bytes: new Uint8Array(Buffer.from(r.data ?? '', 'base64')) };
  }

  private async write(offset: number, value: string): Promise<void> {
    const session = this.session();
    if (!session || !this.target) return;
    try {
      const byte = parseByte(value);
      const at = addressAdd(this.lastAddress, offset);
      await session.customRequest('writeMemory', { memoryReference: memoryReference(at, this.target.physical), data: Buffer.from([byte]).toString('base64') });
    } catch (e) {
      this.status(`write refused: ${(e as Error).message}`, true);
      return;
    }
    await this.refresh();
  }

  dispose(): void { this.panel?.dispose(); }
}
