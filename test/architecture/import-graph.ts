// Reads the import graph of the production sources: every relative import, re-export and
// `import('...')` type reference, resolved to a file, and every package import.
//
// A small scanner rather than a parser library: the compiler in use (TypeScript 7) has no
// JavaScript API, and esbuild's metafile drops type-only imports, which are exactly the
// arrows a layer rule must see (an interface imported from the wrong layer is the usual
// first step of a wrong dependency). Every relative specifier must resolve to a file, so
// a form the scanner misread shows up as a failure, not as a missing arrow.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  from: string;                // repo-relative path, forward slashes
  to: string;                  // repo-relative file for relative imports, the specifier for packages
  kind: 'file' | 'package';
  typeOnly: boolean;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** Relative specifiers that resolved to no file: the scanner or the code is wrong. */
  unresolved: Array<{ from: string; specifier: string }>;
}

const STATIC = /^[ \t]*(import|export)(\s+type)?\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Block and line comments out, string contents kept: an import named in a comment is no arrow. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/^[ \t]*\/\/.*$/gm, '');
}

function listSources(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) listSources(root, rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
}

function resolveFile(root: string, from: string, spec: string): string | null {
  const base = resolve(root, dirname(from), spec).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split(sep).join('/');
  }
  return null;
}

export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const files: string[] = [];
  for (const f of folders) listSources(root, f, files);
  const edges: ImportEdge[] = [];
  const unresolved: ImportGraph['unresolved'] = [];
  for (const from of files) {
    const src = stripComments(readFileSync(join(root, from), 'utf8'));
    const found: Array<{ spec: string; typeOnly: boolean }> = [];
    for (const m of src.matchAll(STATIC)) {
      found.push({ spec: m[3] ?? m[4], typeOnly: m[2] !== undefined });
    }
    for (const m of src.matchAll(DYNAMIC)) found.push({ spec: m[1], typeOnly: false });
    for (const { spec, typeOnly } of found) {
      if (!spec.startsWith('.')) { edges.push({ from, to: spec, kind: 'package', typeOnly }); continue; }
      const to = resolveFile(root, from, spec);
      if (to === null) unresolved.push({ from, specifier: spec });
      else edges.push({ from, to, kind: 'file', typeOnly });
    }
  }
  return { files, edges, unresolved };
}

/** Strongly connected components with more than one file (Tarjan): each is an import cycle. */
export function findCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (e.kind === 'file' && next.has(e.to)) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter); low.set(v, counter); counter++;
    stack.push(v); onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
