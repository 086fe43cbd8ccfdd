// "Guest Screen": a webview view that shows the guest's VGA text buffer while a Paravirt
// session runs. It asks the adapter with the custom request `paravirt.vgaText` on every stop
// and about twice a second while the guest runs; an adapter without that request is read
// through DAP readMemory at 0xB8000 (no cursor then).

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { paletteCss, parseVgaBody, screenToHtml, type VgaScreen } from './vga-text';

const POLL_MS = 500;

export class GuestScreen implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'paravirt.guestScreen';
  private view: vscode.WebviewView | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastHtml = '';
  private useReadMemory = false;
  /** What the last refresh showed, for tests and the status line. */
  lastStatus = 'no session';

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    const script = view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'guest-screen.js'));
    const css = view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'guest-screen.css'));
    const nonce = randomBytes(16).toString('base64url');
    view.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${view.webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}' ${view.webview.cspSource};">
<link rel="stylesheet" href="${css}"><style nonce="${nonce}">${paletteCss()}</style></head>
<body><div id="status">No Paravirt session</div><div id="screen" class="screen" aria-label="Guest VGA text screen"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
    view.onDidDispose(() => { this.view = undefined; });
    view.onDidChangeVisibility(() => { if (view.visible) { this.lastHtml = ''; void this.refresh(); } });
    if (this.lastHtml) void view.webview.postMessage({ type: 'screen', html: this.lastHtml, status: this.lastStatus });
  }

  sessionStarted(): void {
    this.useReadMemory = false;
    this.stopTimer();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  sessionEnded(): void {
    this.stopTimer();
    this.lastStatus = 'session ended (last screen kept)';
    void this.view?.webview.postMessage({ type: 'status', status: this.lastStatus });
  }

  async refresh(): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    if (!session || session.type !== 'paravirt' || this.busy) return;
    if (this.view && !this.view.visible) return;
    this.busy = true;
    try {
      const screen = await this.fetch(session);
      if (!screen) return;
      const html = screenToHtml(screen);
      this.lastStatus = `${screen.cols}×${screen.rows} text${screen.cursor ? '' : ' (cursor unknown)'} · ${new Date().toLocaleTimeString()}`;
      if (html === this.lastHtml) { void this.view?.webview.postMessage({ type: 'status', status: this.lastStatus }); return; }
      this.lastHtml = html;
      void this.view?.webview.postMessage({ type: 'screen', html, status: this.lastStatus });
    } catch (e) {
      // A request that raced the session's end says nothing about the screen.
      if (vscode.debug.activeDebugSession !== session) return;
      this.lastStatus = `screen unavailable: ${(e as Error).message}`;
      void this.view?.webview.postMessage({ type: 'status', status: this.lastStatus });
    } finally {
      this.busy = false;
    }
  }

  private async fetch(session: vscode.DebugSession): Promise<VgaScreen | null> {
    if (!this.useReadMemory) {
      try {
        return parseVgaBody(await session.customRequest('paravirt.vgaText'));
      } catch {
        this.useReadMemory = true; // an adapter without the request: fall back for the whole session
      }
    }
    const r = await session.customRequest('readMemory', { memoryReference: '0xb8000', count: 80 * 25 * 2 }) as { data?: string } | undefined;
    return r?.data ? parseVgaBody({ cols: 80, rows: 25, data: r.data }) : null;
  }

  private stopTimer(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }
  dispose(): void { this.stopTimer(); }
}
