// Exits and estimated cycles per source line from .paravirt/last-run.json, as code lenses
// and inlay hints, kept on their lines while the document is edited (a new profile starts
// over: it was made from the saved file). The file is re-read when its mtime changes; the server also reacts to
// workspace/didChangeWatchedFiles and an fs.watch on the folder, and asks the client to
// refresh lenses and hints.

import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { InlayHintKind, type CodeLens, type InlayHint } from 'vscode-languageserver/node';
import { LineMap, type LineEdit } from './analyzer/line-map';
import { lensTitle, linesForFile, parseProfile, PROFILE_PATH, type Profile, type ProfileLine } from './analyzer/profile';
import type { OpenDoc } from './state';

export class ProfileView {
  private profile: Profile | null = null;
  /** The profile file's text as last read. */
  private raw: string | null = null;
  private mtimeMs = -1;
  private watchers: FSWatcher[] = [];

  constructor(private root: string | null, private onChange: () => void) {}

  get file(): string | null { return this.root ? join(this.root, PROFILE_PATH) : null; }

  /** Reload if the file changed; returns true when the profile differs from before. */
  refresh(): boolean {
    const f = this.file;
    if (!f) return false;
    let m = -1;
    try { m = existsSync(f) ? statSync(f).mtimeMs : -1; } catch { m = -1; }
    if (m === this.mtimeMs) return false;
    this.mtimeMs = m;
    let text: string | null = null;
    try { text = m < 0 ? null : readFileSync(f, 'utf8'); } catch { text = null; }
    if (text === this.raw) return false;
    // A rewritten profile comes from a new run of the saved files: edits made before it no
    // longer move its lines.
    if (this.raw !== null) this.maps.clear();
    this.raw = text;
    this.profile = text === null ? null : parseProfile(text);
    return true;
  }

  /** Force a re-read (after a watcher event; mtime granularity can hide quick rewrites). */
  reload(): void { this.mtimeMs = -2; this.refresh(); }

  startWatching(): void {
    if (!this.root) return;
    const root = this.root;
    const dir = join(root, '.paravirt');
    let dirWatcher: FSWatcher | null = null;
    const changed = () => { this.reload(); this.onChange(); };
    const armDir = () => {
      if (dirWatcher || !existsSync(dir)) return;
      try {
        dirWatcher = watch(dir, { persistent: false }, (_ev, name) => { if (!name || String(name) === 'last-run.json') changed(); });
        dirWatcher.on('error', () => { dirWatcher?.close(); dirWatcher = null; });
        this.watchers.push(dirWatcher);
      } catch { /* not there yet */ }
    };
    armDir();
    try {
      // The folder may appear later (first run): watch the root for it, nothing else.
      const w = watch(root, { persistent: false }, (_ev, name) => {
        if (String(name) === '.paravirt') { armDir(); changed(); }
      });
      w.on('error', () => undefined);
      this.watchers.push(w);
    } catch { /* unreadable root: requests still re-check the mtime */ }
  }

  dispose(): void { for (const w of this.watchers) w.close(); this.watchers = []; }

  /** Per open document, how its lines moved since the profile was loaded or the document opened. */
  private maps = new Map<string, LineMap>();

  /** A document was opened or closed: its lines are the file's again. */
  resetDocument(uri: string): void { this.maps.delete(uri); }

  /** An edit to an open document, in line terms (see analyzer/line-map.ts). */
  noteEdit(uri: string, e: LineEdit): void {
    let m = this.maps.get(uri);
    if (!m) { m = new LineMap(); this.maps.set(uri, m); }
    m.note(e);
  }

  private lines(od: OpenDoc): Map<number, ProfileLine> {
    this.refresh();
    if (!this.profile) return new Map();
    const byLine = linesForFile(this.profile, od.path, this.root);
    const m = this.maps.get(od.uri);
    if (!m) return byLine;
    const out = new Map<number, ProfileLine>();
    for (const [line, l] of byLine) { const now = m.map(line); if (now !== null) out.set(now, l); }
    return out;
  }

  codeLenses(od: OpenDoc): CodeLens[] {
    const out: CodeLens[] = [];
    for (const [line, l] of this.lines(od)) {
      if (line >= od.doc.lineCount) continue;
      out.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, command: { title: lensTitle(l), command: '' } });
    }
    return out.sort((a, b) => a.range.start.line - b.range.start.line);
  }

  inlayHints(od: OpenDoc, fromLine: number, toLine: number): InlayHint[] {
    const out: InlayHint[] = [];
    for (const [line, l] of this.lines(od)) {
      if (line < fromLine || line > toLine || line >= od.doc.lineCount) continue;
      out.push({
        position: { line, character: od.doc.lines[line].length },
        label: `${l.exits} exits, ~${Math.round(l.cycles).toLocaleString('en-US')} cyc`,
        kind: InlayHintKind.Type, paddingLeft: true, tooltip: lensTitle(l),
      });
    }
    return out.sort((a, b) => a.position.line - b.position.line);
  }
}
