// Server-side state: open documents (analysed incrementally), settings, the include-aware
// workspace, and conversions between URIs and paths.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { AnalyzedDocument } from './analyzer/document';
import { analyze, lastInactiveOf, type HitFinding } from './analyzer/rules';
import { ABIS, TARGETS, type Settings } from './analyzer/types';
import { DEFAULT_SETTINGS, SEVERITY_SETTINGS } from './analyzer/settings';
import { Workspace } from './analyzer/workspace';
import { otherArchitecture } from './analyzer/architectures';
import { parseDefine, type InactiveRegion } from './analyzer/preprocessor';
import { relative } from 'node:path';

export interface OpenDoc { uri: string; path: string; version: number; doc: AnalyzedDocument }

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) { try { return fileURLToPath(uri); } catch { /* fall through */ } }
  return uri;
}
export function pathToUri(path: string): string {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) ? pathToFileURL(path).href : path;
}

const SEVERITIES: ReadonlySet<string> = new Set(SEVERITY_SETTINGS);
const isOneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

/** Accept whatever the client sends for the `paravirt` section; keep only well-formed values. */
export function normalizeSettings(raw: unknown): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, severity: {}, includePaths: [], defines: [], undefines: [] };
  if (!raw || typeof raw !== 'object') return s;
  const o = raw as Record<string, unknown>;
  if (isOneOf(TARGETS, o.target)) s.target = o.target;
  if (isOneOf(ABIS, o.abi)) s.abi = o.abi;
  if (o.severity && typeof o.severity === 'object') {
    for (const [k, v] of Object.entries(o.severity as Record<string, unknown>)) {
      if (typeof v === 'string' && SEVERITIES.has(v)) s.severity[k.toUpperCase()] = v as Settings['severity'][string];
    }
  }
  if (Array.isArray(o.includePaths)) s.includePaths = o.includePaths.filter((p): p is string => typeof p === 'string');
  if (typeof o.maxLines === 'number' && o.maxLines > 0) s.maxLines = Math.floor(o.maxLines);
  // paravirt.defines: ["NAME", "NAME=VALUE"] as -D takes them, or {"NAME": "VALUE"}; a null
  // value (or "!NAME") marks a macro the build leaves undefined.
  s.defines = []; s.undefines = [];
  if (Array.isArray(o.defines)) {
    for (const d of o.defines) if (typeof d === 'string') { if (/^!\s*[A-Za-z_]\w*$/.test(d)) s.undefines.push(d.slice(1).trim()); else if (parseDefine(d)) s.defines.push(d); }
  } else if (o.defines && typeof o.defines === 'object') {
    for (const [k, v] of Object.entries(o.defines as Record<string, unknown>)) {
      if (!/^[A-Za-z_]\w*$/.test(k)) continue;
      if (v === null || v === false) s.undefines.push(k);
      else s.defines.push(v === true || v === '' ? k : `${k}=${String(v)}`);
    }
  }
  return s;
}

export class ServerState {
  readonly docs = new Map<string, OpenDoc>();
  private byPath = new Map<string, OpenDoc>();
  settings: Settings = normalizeSettings(undefined);
  readonly workspace: Workspace;
  /** Last findings per URI (for code actions between edits). */
  private findings = new Map<string, { version: number; list: HitFinding[]; inactive: InactiveRegion[] }>();

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

  analyze(od: OpenDoc): HitFinding[] { return this.analysis(od).list; }

  /** The #if branches the project's defines rule out (greyed in the editor). */
  inactive(od: OpenDoc): InactiveRegion[] { return this.analysis(od).inactive; }

  private analysis(od: OpenDoc): { version: number; list: HitFinding[]; inactive: InactiveRegion[] } {
    const cached = this.findings.get(od.uri);
    if (cached && cached.version === od.version) return cached;
    // Another architecture's sources (an arm64/ folder of a multi-architecture tree) are not x86.
    const inRoot = this.workspace.root ? relative(this.workspace.root, od.path) : od.path;
    let entry;
    if (otherArchitecture(inRoot.startsWith('..') ? od.path : inRoot)) entry = { version: od.version, list: [], inactive: [] };
    else {
      const ctx = this.workspace.contextFor(od.doc);
      const list = analyze(od.doc, this.settings, ctx);
      entry = { version: od.version, list, inactive: lastInactiveOf(od.doc) };
    }
    this.findings.set(od.uri, entry);
    return entry;
  }

  invalidate(): void { this.findings.clear(); }
}
