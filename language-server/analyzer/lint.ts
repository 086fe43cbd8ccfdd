// `paravirt lint` without the CLI framework: collects files, runs the analyzer, and renders
// text, JSON or SARIF 2.1.0. The CLI command in cli/lint.ts is a thin wrapper around this.

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { INSTRUCTION_TABLE } from '../../emulator/isa';
import { AnalyzedDocument } from './document';
import { analyze, lastInactiveOf, ruleHref } from './rules';
import { parseDefine, type InactiveRegion } from './preprocessor';
import { ANALYZED_EXTENSIONS, detectSyntax, extensionOf } from './syntax';
import { TARGETS, type Finding, type Settings, type SeverityName, type Target } from './types';
import { DEFAULT_SETTINGS } from './settings';
import { Workspace } from './workspace';
import { OTHER_ARCH_DIRS, otherArchitecture } from './architectures';
import { findAsmReach } from './c-asm-reach';
import { reachSourceOf } from './c-reach-source';

export interface LintOptions {
  target?: string;
  abi?: string;
  format?: string;
  include?: string[];
  severity?: string[];
  define?: string[];
  undefine?: string[];
  cwd?: string;
  /** List each file's inactive #if regions (the JSON format always does). */
  inactive?: boolean;
}

export interface FileFindings { file: string; findings: Finding[]; inactive?: InactiveRegion[] }
export interface LintResult { exitCode: number; output: string; errors: string[] }

const MAX_FILE_BYTES = 32 * 1024 * 1024;
const EXTS = new Set(ANALYZED_EXTENSIONS);

interface Walk { cwd: string; files: string[]; errors: string[]; skipped: string[]; dirs: Set<string>; seen: Set<string> }

function collect(path: string, w: Walk, explicit: boolean, kind?: 'file' | 'dir'): void {
  // Entries a directory listing says are plain files or directories need no stat; symlinks
  // and the paths given on the command line do.
  let isDir = kind === 'dir', isFile = kind === 'file', linked = kind === undefined;
  if (kind === undefined) {
    let st;
    try { st = statSync(path); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (explicit || code !== 'ELOOP') w.errors.push(code === 'ENOENT' ? `paravirt lint: no such file or directory: ${path}` : `paravirt lint: ${path}: ${(e as Error).message}`);
      return;
    }
    isDir = st.isDirectory();
    isFile = st.isFile();
  }
  if (isDir) {
    // A symlink back up the tree (Mini-OS's include/mini-os -> .) is followed once: each
    // real directory is read a single time.
    let real: string;
    try { real = realpathSync(path); } catch { return; }
    if (w.dirs.has(real)) return;
    w.dirs.add(real);
    if (!explicit && OTHER_ARCH_DIRS.has(basename(path).toLowerCase())) { w.skipped.push(path); return; }
    let entries;
    try { entries = readdirSync(path, { withFileTypes: true }); } catch (e) { w.errors.push(`paravirt lint: ${path}: ${(e as Error).message}`); return; }
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const ent of entries) {
      const name = ent.name;
      if (name.startsWith('.') || name === 'node_modules') continue;
      const child = join(path, name);
      if (ent.isDirectory()) collect(child, w, false, 'dir');
      else if (ent.isFile()) { if (EXTS.has(extensionOf(name))) collect(child, w, false, 'file'); }
      else if (ent.isSymbolicLink()) collect(child, w, false);
    }
    return;
  }
  if (!isFile) return;
  if (!explicit && !EXTS.has(extensionOf(path))) return;
  let real = path;
  if (linked) { try { real = realpathSync(path); } catch { /* keep the path */ } }
  if (w.seen.has(real)) return;
  w.seen.add(real);
  // Files met while walking are below folders already checked by name; a path given on the
  // command line is checked whole.
  if (explicit) {
    const r = relative(w.cwd, path);
    if (otherArchitecture(r.startsWith('..') ? path : r)) { w.skipped.push(path); return; }
  }
  w.files.push(path);
}

function buildSettings(o: LintOptions, errors: string[]): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, severity: {}, includePaths: o.include ?? [], defines: [], undefines: [] };
  for (const d of o.define ?? []) {
    if (parseDefine(d)) s.defines.push(d); else errors.push(`paravirt lint: -D expects NAME or NAME=VALUE, got "${d}"`);
  }
  for (const u of o.undefine ?? []) {
    if (/^[A-Za-z_]\w*$/.test(u)) s.undefines.push(u); else errors.push(`paravirt lint: -U expects a macro name, got "${u}"`);
  }
  if (o.target !== undefined) {
    if (!(TARGETS as readonly string[]).includes(o.target)) errors.push(`paravirt lint: --target must be ${TARGETS.join(', ').replace(/, (?=[^,]*$)/, ' or ')}, not "${o.target}"`);
    else s.target = o.target as Target;
  }
  if (o.abi !== undefined) {
    if (o.abi !== 'xen' && o.abi !== 'kvm') errors.push(`paravirt lint: --abi must be xen or kvm, not "${o.abi}"`);
    else s.abi = o.abi;
  }
  for (const kv of o.severity ?? []) {
    const m = /^(PV\d{3})=(error|warning|information|hint|off)$/i.exec(kv);
    if (!m) { errors.push(`paravirt lint: --severity expects RULE=error|warning|information|hint|off, got "${kv}"`); continue; }
    s.severity[m[1].toUpperCase()] = m[2].toLowerCase() as SeverityName | 'off';
  }
  return s;
}

export function lintFiles(paths: string[], o: LintOptions = {}): { results: FileFindings[]; errors: string[]; settings: Settings; skipped: string[] } {
  const errors: string[] = [];
  const settings = buildSettings(o, errors);
  const cwd = o.cwd ?? process.cwd();
  if (paths.length === 0) errors.push('paravirt lint: give at least one file or directory');
  const walk: Walk = { cwd, files: [], errors, skipped: [], dirs: new Set(), seen: new Set() };
  for (const p of paths) collect(resolve(cwd, p), walk, true);
  const files = walk.files;
  const results: FileFindings[] = [];
  if (errors.length) return { results, errors, settings, skipped: walk.skipped };
  const ws = new Workspace(cwd, () => undefined, () => settings);
  const docs: AnalyzedDocument[] = [];
  for (const f of files) {
    let text: string;
    try {
      const buf = readFileSync(f);
      if (buf.length > MAX_FILE_BYTES) { errors.push(`paravirt lint: ${f}: larger than ${MAX_FILE_BYTES >> 20} MB, skipped`); continue; }
      text = buf.toString('utf8');
    } catch (e) { errors.push(`paravirt lint: ${f}: ${(e as Error).message}`); continue; }
    const info = detectSyntax(f, undefined, text);
    if (!info) { errors.push(`paravirt lint: ${f}: not an assembly or C file (use .asm .nasm .inc .s .S .c .h .cpp)`); continue; }
    docs.push(new AnalyzedDocument(f, text, info, settings.maxLines));
  }
  // Macros reach asm across files (a header's ALTERNATIVE used in a .c file's asm), so the C
  // files are read together first.
  const cDocs = docs.filter((d) => d.syntax === 'c');
  const reach = findAsmReach(cDocs.map(reachSourceOf), cDocs);
  const reachOf = new Map(cDocs.map((d, i) => [d, reach[i]]));
  for (const doc of docs) {
    const ctx = ws.contextFor(doc, false);
    ctx.cReach = reachOf.get(doc);
    const findings = analyze(doc, settings, ctx).map((h) => h.finding);
    // Only the JSON output lists inactive regions; the other formats need them only to drop findings.
    results.push({ file: doc.path, findings, inactive: o.format === 'json' || o.inactive ? lastInactiveOf(doc) : undefined });
  }
  return { results, errors, settings, skipped: walk.skipped };
}

function rel(cwd: string, f: string): string {
  const r = relative(cwd, f);
  return (r.startsWith('..') ? f : r).split(sep).join('/');
}

export function renderText(results: FileFindings[], cwd: string, skipped: string[] = []): string {
  const lines: string[] = [];
  const count = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const { file, findings } of results) {
    for (const f of findings) {
      count[f.severity]++;
      lines.push(`${rel(cwd, file)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code}: ${f.message}`);
    }
  }
  const other = skipped.length ? `; ${skipped.length} path(s) of other architectures skipped (${skipped.slice(0, 3).map((p) => rel(cwd, p)).join(', ')}${skipped.length > 3 ? ', ...' : ''})` : '';
  lines.push(`${results.length} file(s): ${count.error} error(s), ${count.warning} warning(s), ${count.information} information, ${count.hint} hint(s)${other}`);
  return lines.join('\n') + '\n';
}

export function renderJson(results: FileFindings[], cwd: string, settings: Settings, skipped: string[] = []): string {
  const findings = results.flatMap(({ file, findings }) => findings.map((f) => ({
    file: rel(cwd, file), line: f.range.start.line + 1, column: f.range.start.character + 1,
    endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1,
    severity: f.severity, code: f.code, message: f.message, href: f.href, fixable: f.fixable,
    ...(f.related ? { related: f.related.map((r) => ({ file: rel(cwd, r.path), line: r.range.start.line + 1, column: r.range.start.character + 1, message: r.message })) } : {}),
  })));
  const inactive = results.flatMap(({ file, inactive: regions }) => (regions ?? []).map((r) => ({
    file: rel(cwd, file), line: r.startLine + 1, endLine: r.endLine + 1, reason: r.reason,
  })));
  return JSON.stringify({ version: 1, target: settings.target, files: results.length, findings, inactive, skipped: skipped.map((p) => rel(cwd, p)) }, null, 2) + '\n';
}

const SARIF_LEVEL: Record<SeverityName, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function renderSarif(results: FileFindings[], cwd: string, settings: Settings): string {
  const rules = INSTRUCTION_TABLE.map((e) => ({
    id: e.rule, name: e.id,
    shortDescription: { text: e.title },
    fullDescription: { text: `${e.semantics} PV: ${e.pvBehaviour}. Instead: ${e.pvReplacement}.` },
    helpUri: ruleHref(e),
    defaultConfiguration: { level: e.pvSeverity ? SARIF_LEVEL[e.pvSeverity] : 'note' },
    properties: { class: e.class },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const out = results.flatMap(({ file, findings }) => findings.map((f) => ({
    ruleId: f.code, ruleIndex: index.get(f.code) ?? -1, level: SARIF_LEVEL[f.severity],
    message: { text: f.message },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: rel(cwd, file), uriBaseId: '%SRCROOT%' },
        region: { startLine: f.range.start.line + 1, startColumn: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 },
      },
    }],
    ...(f.related ? {
      relatedLocations: f.related.map((r, id) => ({
        id, message: { text: r.message },
        physicalLocation: { artifactLocation: { uri: rel(cwd, r.path), uriBaseId: '%SRCROOT%' }, region: { startLine: r.range.start.line + 1, startColumn: r.range.start.character + 1 } },
      })),
    } : {}),
  })));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'paravirt', version: '0.1.0', informationUri: 'https://github.com/paravirt/paravirt', rules } },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToDirUri(cwd) } },
      properties: { target: settings.target },
      results: out,
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function pathToDirUri(p: string): string {
  const u = new URL('file://');
  u.pathname = p.endsWith('/') ? p : p + '/';
  return u.href;
}

/** Run a lint and render it. Exit code: 0 clean or only non-errors, 1 errors found, 2 bad input. */
export function runLint(paths: string[], o: LintOptions = {}): LintResult {
  const cwd = o.cwd ?? process.cwd();
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    return { exitCode: 2, output: '', errors: [`paravirt lint: --format must be text, json or sarif, not "${format}"`] };
  }
  const { results, errors, settings, skipped } = lintFiles(paths, o);
  const fatal = errors.length > 0 && results.length === 0;
  if (fatal) return { exitCode: 2, output: '', errors };
  const output = format === 'json' ? renderJson(results, cwd, settings, skipped) : format === 'sarif' ? renderSarif(results, cwd, settings) : renderText(results, cwd, skipped);
  const hasErrors = results.some((r) => r.findings.some((f) => f.severity === 'error'));
  return { exitCode: hasErrors ? 1 : errors.length ? 2 : 0, output, errors };
}
