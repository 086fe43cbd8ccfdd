// Files a document reaches through %include / .include / #include: loaded from the editor's
// open documents when present, otherwise from disk (cached by mtime). Used for macro
// suppression, go-to-definition and references across files.

import { readFileSync, statSync, existsSync } from 'node:fs';
import { AnalyzedDocument } from './document';
import type { AnalyzeContext } from './rules';
import { documentMacros } from './rules';
import { includesOf, resolveInclude } from './symbols';
import type { Settings } from './types';

const MAX_DEPTH = 8;
const MAX_INCLUDE_BYTES = 8 * 1024 * 1024;

export class Workspace {
  private disk = new Map<string, { mtimeMs: number; doc: AnalyzedDocument | null }>();

  constructor(
    public root: string | null,
    private readonly openDoc: (path: string) => AnalyzedDocument | undefined,
    private readonly settings: () => Settings,
  ) {}

  load(path: string): AnalyzedDocument | null {
    const open = this.openDoc(path);
    if (open) return open;
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_INCLUDE_BYTES) return null;
      const hit = this.disk.get(path);
      if (hit && hit.mtimeMs === st.mtimeMs) return hit.doc;
      const doc = AnalyzedDocument.create(path, readFileSync(path, 'utf8'));
      this.disk.set(path, { mtimeMs: st.mtimeMs, doc });
      return doc;
    } catch {
      return null;
    }
  }

  resolve(fromPath: string, inc: string): string | null {
    return resolveInclude(fromPath, inc, this.settings().includePaths, this.root, (p) => this.openDoc(p) !== undefined || existsSync(p));
  }

  /** Documents reachable through includes (not including `doc`), nearest first. */
  includeClosure(doc: AnalyzedDocument): AnalyzedDocument[] {
    const out: AnalyzedDocument[] = [];
    const seen = new Set<string>([doc.path]);
    const walk = (d: AnalyzedDocument, depth: number) => {
      if (depth >= MAX_DEPTH) return;
      for (const inc of includesOf(d)) {
        const p = this.resolve(d.path, inc.path);
        if (!p || seen.has(p)) continue;
        seen.add(p);
        const child = this.load(p);
        if (!child) continue;
        out.push(child);
        walk(child, depth + 1);
      }
    };
    walk(doc, 0);
    return out;
  }

  contextFor(doc: AnalyzedDocument): AnalyzeContext {
    const macros = new Set<string>(), imacros = new Set<string>();
    for (const d of this.includeClosure(doc)) {
      // Our own wrapper headers define no instruction-named macros; skip parsing cost for them.
      documentMacros(d, macros, imacros);
    }
    return { macros, imacros };
  }
}
