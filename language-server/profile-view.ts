// Exits and estimated cycles per source line from .paravirt/last-run.json, as code lenses
// and inlay hints. The file is re-read when its mtime changes; the server also reacts to
// workspace/didChangeWatchedFiles and an fs.watch on the folder, and asks the client to
// refresh lenses and hints.

import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { InlayHintKind, type CodeLens, type InlayHint } from 'vscode-languageserver/node';
import { lensTitle, linesForFile, parseProfile, PROFILE_PATH, type Profile } from './analyzer/profile';
import type { OpenDoc } from './state';

export class ProfileView {
  private profile: Profile | null = null;
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
    try { this.profile = m < 0 ? null : parseProfile(readFileSync(f, 'utf8')); } catch { this.profile = null; }
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

  private lines(od: OpenDoc) {
    this.refresh();
    return this.profile ? linesForFile(this.profile, od.path, this.root) : new Map();
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
