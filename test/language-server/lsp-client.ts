// A real LSP client over stdio for the tests and the benchmark: spawns
// `node dist/language-server.js --stdio` (rebuilding that one bundle when its sources are
// newer) and speaks JSON-RPC through vscode-languageserver-protocol.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type Diagnostic, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export const REPO = resolve(__dirname, '..', '..');
export const SERVER = join(REPO, 'dist', 'language-server.js');

function newestMtime(dir: string): number {
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    m = Math.max(m, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return m;
}

/** Build dist/language-server.js if it is missing or older than its sources. */
export async function ensureServerBuilt(): Promise<string> {
  const srcTime = Math.max(newestMtime(join(REPO, 'language-server')), newestMtime(join(REPO, 'emulator', 'isa')));
  if (!existsSync(SERVER) || statSync(SERVER).mtimeMs < srcTime) {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(REPO, 'language-server', 'main.ts')], outfile: SERVER, bundle: true, platform: 'node',
      target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning',
    });
  }
  return SERVER;
}

export function uriOf(path: string): string { return pathToFileURL(path).href; }

export interface ClientOptions {
  root?: string;
  settings?: Record<string, unknown>;
  /** Advertise workspace/configuration (settings are then pulled). */
  pullConfig?: boolean;
  serverPath?: string;
}

export class TestClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: Array<{ uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }> = [];
  settings: Record<string, unknown>;
  refreshRequests = 0;
  stderr = '';
  exited: number | null = null;

  constructor(private opts: ClientOptions = {}) {
    this.settings = opts.settings ?? {};
    this.proc = spawn(process.execPath, [opts.serverPath ?? SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d) => { this.stderr += String(d); });
    this.proc.on('exit', (code) => { this.exited = code ?? -1; });
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) { w.resolve(p); return false; }
        return true;
      });
    });
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => { this.refreshRequests++; return null; });
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onNotification('window/logMessage', () => undefined);
    this.conn.listen();
  }

  async initialize(): Promise<void> {
    const root = this.opts.root ?? REPO;
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uriOf(root),
      workspaceFolders: [{ uri: uriOf(root), name: 'test' }],
      initializationOptions: { settings: this.settings },
      capabilities: {
        workspace: {
          configuration: !!this.opts.pullConfig,
          didChangeWatchedFiles: { dynamicRegistration: true },
          codeLens: { refreshSupport: true },
          inlayHint: { refreshSupport: true },
        },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { relatedInformation: false, versionSupport: true, codeDescriptionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } } },
        },
      },
    });
    await this.conn.sendNotification('initialized', {});
  }

  /** Resolves with the next publishDiagnostics for `uri` (at `version` if given). */
  nextDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  /** Resolves once the latest diagnostics for `uri` satisfy `pred` (rejects after `ms`). */
  async waitForDiagnostics(uri: string, pred: (d: Diagnostic[]) => boolean, ms = 10000): Promise<Diagnostic[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const cur = this.diagnostics.get(uri);
      if (cur && pred(cur.diagnostics)) return cur.diagnostics;
      if (Date.now() > deadline) throw new Error(`diagnostics for ${uri} never matched: ${JSON.stringify(cur?.diagnostics.map((d) => d.code))}`);
      await Promise.race([this.nextDiagnostics(uri), new Promise((r) => setTimeout(r, 100))]);
    }
  }

  async open(path: string, text: string, languageId = 'plaintext', version = 1): Promise<Diagnostic[]> {
    const uri = uriOf(path);
    const p = this.nextDiagnostics(uri, version);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
    return (await p).diagnostics;
  }

  async change(path: string, version: number, changes: unknown[]): Promise<Diagnostic[]> {
    const uri = uriOf(path);
    const p = this.nextDiagnostics(uri, version);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return (await p).diagnostics;
  }

  request<R>(method: string, params: unknown): Promise<R> { return this.conn.sendRequest(method, params) as Promise<R>; }

  async close(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch { /* already gone */ }
    this.conn.dispose();
    if (this.exited === null) {
      await Promise.race([new Promise((r) => this.proc.once('exit', r)), new Promise((r) => setTimeout(r, 2000))]);
      if (this.exited === null) this.proc.kill();
    }
  }
}

/** Apply LSP TextEdits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>): string {
  const lines = text.split('\n');
  const off = (p: { line: number; character: number }) => {
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
    return o + p.character;
  };
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

/** A diagnostic message as text (LSP 3.18 allows markup). */
export function messageText(m: string | { value: string }): string { return typeof m === 'string' ? m : m.value; }
