// Server-side state: open documents (analysed incrementally), settings, the include-aware
// workspace, and conversions between URIs and paths.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { AnalyzedDocument } from './analyzer/document';
import { analyze, type HitFinding } from './analyzer/rules';
import { DEFAULT_SETTINGS, type Settings } from './analyzer/types';
import { Workspace } from './analyzer/workspace';

export interface OpenDoc { uri: string; path: string; version: number; doc: AnalyzedDocument }

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) { try { return fileURLToPath(uri); } catch { /* fall through */ } }
  return uri;
}
export function pathToUri(path: string): string {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) ? pathToFileURL(path).href : path;
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

/** Accept whatever the client sends for the `paravirt` section; keep only well-formed values. */
export function normalizeSettings(raw: unknown): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, severity: {}, includePaths: [] };
  if (!raw || typeof raw !== 'object') return s;
  const o = raw as Record<string, unknown>;
  if (o.target === 'pv' || o.target === 'hvm') s.target = o.target;
  if (o.abi === 'xen' || o.abi === 'kvm') s.abi = o.abi;
  if (o.severity && typeof o.severity === 'object') {
    for (const [k, v] of Object.entries(o.severity as Record<string, unknown>)) {
      if (typeof v === 'string' && SEVERITIES.has(v)) s.severity[k.toUpperCase()] = v as Settings['severity'][string];
    }
  }
  if (Array.isArray(o.includePaths)) s.includePaths = o.includePaths.filter((p): p is string => typeof p === 'string');
  if (typeof o.maxLines === 'number' && o.maxLines > 0) s.maxLines = Math.floor(o.maxLines);
  return s;
}

export class ServerState {
  readonly docs = new Map<string, OpenDoc>();
  private byPath = new Map<string, OpenDoc>();
  settings: Settings = normalizeSettings(undefined);
  readonly workspace: Workspace;
  /** Last findings per URI (for code actions between edits). */
  private findings = new Map<string, { version: number; list: HitFinding[] }>();

  constructor(root: string | null) {
    this.workspace = new Workspace(root, (p) => this.byPath.get(p)?.doc, () => this.settings);
  }

  open(uri: string, languageId: string, version: number, text: string): OpenDoc | null {
    const path = uriToPath(uri);
    const doc = AnalyzedDocument.create(path, text, languageId, this.settings.maxLines);
    if (!doc) return null;
    const od = { uri, path, version, doc };
    this.docs.set(uri, od);
    this.byPath.set(path, od);
    this.findings.delete(uri);
    return od;
  }

  close(uri: string): void {
    const od = this.docs.get(uri);
    if (od) this.byPath.delete(od.path);
    this.docs.delete(uri);
    this.findings.delete(uri);
  }

  analyze(od: OpenDoc): HitFinding[] {
    const cached = this.findings.get(od.uri);
    if (cached && cached.version === od.version) return cached.list;
    const list = analyze(od.doc, this.settings, this.workspace.contextFor(od.doc));
    this.findings.set(od.uri, { version: od.version, list });
    return list;
  }

  invalidate(): void { this.findings.clear(); }
}
