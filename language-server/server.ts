// The LSP server: wires connection events to the analyzer and the feature modules.
// Documents sync incrementally; each change reparses only the touched lines, and diagnostics
// are pushed once per event-loop turn (several queued changes coalesce into one analysis).

import {
  CodeActionKind, DidChangeWatchedFilesNotification, TextDocumentSyncKind,
  type Connection, type Diagnostic, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { codeActions, FIX_ALL_KIND } from './code-actions';
import { completion, hover, signatureHelp } from './assist';
import { inactiveNotice, toDiagnostic, truncationNotice } from './diagnostics';
import { DiagnosticsEncoder } from './diagnostics-json';
import { preEncode } from './stdio-writer';
import { definition, documentSymbols, folding, references } from './navigation';
import { ProfileView } from './profile-view';
import { releaseWarmUpGarbage, warmUp } from './warmup';
import { normalizeSettings, ServerState, uriToPath, type OpenDoc } from './state';

const CLOSE_BRACE = Buffer.from('}');

/** `preEncoded`: the connection writes with StdioMessageWriter, which honours preEncode(). */
export function startServer(connection: Connection, preEncoded = false): void {
  let state = new ServerState(null);
  let profile: ProfileView | null = null;
  let canPullConfig = false;
  let canWatch = false;
  let canRefreshLens = false;
  let canRefreshHints = false;
  const pending = new Set<string>();
  let scheduled = false;

  const guard = <A extends unknown[], R>(fallback: R, fn: (...a: A) => R) => (...a: A): R => {
    try { return fn(...a); } catch (e) {
      connection.console.error(`paravirt: ${(e as Error)?.stack ?? String(e)}`);
      return fallback;
    }
  };

  const encoder = new DiagnosticsEncoder();
  let lastPublishMs = 0;
  // Where an edit's time goes (server clock, ms since performance.timeOrigin; see paravirt/stats).
  let lastChange = { received: 0 };
  let lastChangeTiming = { received: 0, publishStart: 0, published: 0, written: 0 };
  const publish = (od: OpenDoc) => {
    const t0 = performance.now();
    let sent: Promise<void>;
    const findings = state.analyze(od).map((h) => h.finding);
    const extra = od.doc.truncated ? [truncationNotice(od.doc.maxLines)] : [];
    for (const r of state.inactive(od)) extra.push(inactiveNotice(r, od.doc.lines[r.endLine]?.length ?? 0));
    const { uri, version } = od;
    if (preEncoded) {
      // The getter serves any writer that does call JSON.stringify (e.g. a trace log).
      const params = {
        uri, version,
        get diagnostics(): Diagnostic[] { return [...findings.map(toDiagnostic), ...extra]; },
      };
      const body = encoder.encode(uri, findings, extra);
      const head = Buffer.from(`{"uri":${JSON.stringify(uri)},"version":${version},"diagnostics":`, 'utf8');
      sent = connection.sendDiagnostics(preEncode(params, () => [head, body, CLOSE_BRACE]));
      void sent.then(() => encoder.release(body), () => undefined);
    } else {
      sent = connection.sendDiagnostics({ uri, version, diagnostics: [...findings.map(toDiagnostic), ...extra] });
    }
    lastPublishMs = performance.now() - t0;
    const timing = { ...lastChange, publishStart: t0, published: performance.now(), written: 0 };
    void sent.then(() => { timing.written = performance.now(); lastChangeTiming = timing; }, () => undefined);
  };

  const flush = guard(undefined, () => {
    scheduled = false;
    for (const uri of pending) { const od = state.docs.get(uri); if (od) publish(od); }
    pending.clear();
  });
  const schedule = (uri: string) => {
    pending.add(uri);
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  };
  const revalidateAll = () => { state.invalidate(); for (const uri of state.docs.keys()) schedule(uri); };

  const refreshProfileViews = () => {
    if (canRefreshLens) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    if (canRefreshHints) void connection.sendRequest('workspace/inlayHint/refresh').catch(() => undefined);
  };

  const pullSettings = async () => {
    if (!canPullConfig) return;
    try {
      const [cfg] = await connection.workspace.getConfiguration([{ section: 'paravirt' }]);
      state.settings = normalizeSettings(cfg);
    } catch { /* keep the current settings */ }
    revalidateAll();
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const root = params.workspaceFolders?.[0]?.uri ? uriToPath(params.workspaceFolders[0].uri)
      : params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? null;
    state = new ServerState(root);
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    state.settings = normalizeSettings(init?.settings);
    const caps = params.capabilities;
    canPullConfig = !!caps.workspace?.configuration;
    canWatch = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    canRefreshLens = !!caps.workspace?.codeLens?.refreshSupport;
    canRefreshHints = !!caps.workspace?.inlayHint?.refreshSupport;
    profile = new ProfileView(root, refreshProfileViews);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: [' ', ',', '(', '$', '_'], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: ['(', ',', ' '], retriggerCharacters: [','] },
        documentSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        foldingRangeProvider: true,
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: true,
      },
      serverInfo: { name: 'paravirt-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (canWatch) {
      // The profile, and include files whose macros and constants open documents depend on.
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/.paravirt/last-run.json' }, { globPattern: '**/*.{inc,mac,h}' }],
      }).catch(() => undefined);
    }
    profile?.startWatching();
    void pullSettings();
    setImmediate(() => { try { warmUp(); releaseWarmUpGarbage(); } catch { /* warming is best effort */ } });
  });

  connection.onDidChangeConfiguration(guard(undefined, (p) => {
    if (canPullConfig) { void pullSettings(); return; }
    const s = (p.settings as { paravirt?: unknown } | undefined)?.paravirt;
    state.settings = normalizeSettings(s);
    revalidateAll();
  }));

  connection.onDidChangeWatchedFiles(guard(undefined, (p) => {
    if (p.changes.some((c) => c.uri.endsWith('last-run.json'))) { profile?.reload(); refreshProfileViews(); }
    if (p.changes.some((c) => !c.uri.endsWith('last-run.json'))) revalidateAll();
  }));

  let lastOpen = { receivedAt: 0, parseMs: 0 };
  connection.onDidOpenTextDocument(guard(undefined, (p) => {
    const t0 = performance.now();
    lastOpen = { receivedAt: Date.now(), parseMs: 0 };
    const od = state.open(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text);
    profile?.resetDocument(p.textDocument.uri);
    lastOpen.parseMs = performance.now() - t0;
    if (od) schedule(od.uri);
  }));

  connection.onDidChangeTextDocument(guard(undefined, (p) => {
    lastChange = { received: performance.now() };
    const od = state.docs.get(p.textDocument.uri);
    if (!od) return;
    for (const ch of p.contentChanges) {
      if ('range' in ch) {
        const { start, end } = ch.range;
        let lines = 1;
        for (let i = ch.text.indexOf('\n'); i >= 0; i = ch.text.indexOf('\n', i + 1)) lines++;
        const blankBefore = (od.doc.lines[start.line] ?? '').slice(0, start.character).trim() === '';
        profile?.noteEdit(od.uri, { from: start.line, to: end.line, lines, blankBefore, toStart: end.character === 0 });
        od.doc.applyChange({ range: ch.range, text: ch.text });
      } else {
        profile?.resetDocument(od.uri);
        od.doc.applyChange({ text: ch.text });
      }
    }
    od.version = p.textDocument.version;
    schedule(od.uri);
  }));

  connection.onDidCloseTextDocument(guard(undefined, (p) => {
    state.close(p.textDocument.uri);
    profile?.resetDocument(p.textDocument.uri);
    encoder.forget(p.textDocument.uri);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  }));

  const withDoc = <R>(fallback: R, fn: (od: OpenDoc, p: any) => R) => guard(fallback, (p: { textDocument: { uri: string } }) => {
    const od = state.docs.get(p.textDocument.uri);
    return od ? fn(od, p) : fallback;
  });

  connection.onCodeAction(withDoc([], (od, p) => codeActions(state, od, p)));
  connection.onHover(withDoc(null, (od, p) => hover(state, od, p.position)));
  connection.onCompletion(withDoc([], (od, p) => completion(od, p.position)));
  connection.onSignatureHelp(withDoc(null, (od, p) => signatureHelp(od, p.position)));
  connection.onDocumentSymbol(withDoc([], (od) => documentSymbols(od.doc)));
  connection.onDefinition(withDoc([], (od, p) => definition(state, od, p.position)));
  connection.onReferences(withDoc([], (od, p) => references(state, od, p.position, !!p.context?.includeDeclaration)));
  connection.onFoldingRanges(withDoc([], (od) => folding(od.doc)));
  connection.onCodeLens(withDoc([], (od) => profile?.codeLenses(od) ?? []));
  connection.languages.inlayHint.on(withDoc([], (od, p) => profile?.inlayHints(od, p.range.start.line, p.range.end.line) ?? []));

  // Memory and size figures for the benchmark and for diagnosing slow editors.
  connection.onRequest('paravirt/stats', () => {
    const m = process.memoryUsage();
    let lines = 0;
    for (const od of state.docs.values()) lines += od.doc.lineCount;
    const cpu = process.cpuUsage();
    return { cpuMs: (cpu.user + cpu.system) / 1000, rssMB: m.rss / 1048576, heapUsedMB: m.heapUsed / 1048576, documents: state.docs.size, lines, lastPublishMs, lastOpen,
      timeOrigin: performance.timeOrigin, lastChange: lastChangeTiming };
  });

  connection.onShutdown(() => { profile?.dispose(); });
  connection.listen();
}
