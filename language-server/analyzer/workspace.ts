// Files a document reaches through %include / .include / #include: loaded from the editor's
// open documents when present, otherwise from disk (cached by mtime). Used for macro
// suppression, go-to-definition and references across files.

import { readFileSync, statSync, existsSync } from 'node:fs';
import { AnalyzedDocument } from './document';
import { detectSyntax } from './syntax';
import type { AnalyzeContext } from './rules';
import { documentMacros } from './rules';
import { includesOf, resolveInclude } from './symbols';
import { findAsmReach } from './c-asm-reach';
import { reachSourceOf } from './c-reach-source';
import { defineSetFor } from './defines';
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

  /**
   * `asHeaderOf`: a C header included from a .S file is read the way cpp sees it there
   * (#define lines), so its constants resolve.
   */
  load(path: string, asHeaderOf?: AnalyzedDocument): AnalyzedDocument | null {
    const open = this.openDoc(path);
    if (open && !(asHeaderOf && open.syntax === 'c')) return open;
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_INCLUDE_BYTES) return null;
      const asCpp = !!asHeaderOf && asHeaderOf.syntax === 'gas' && detectSyntax(path)?.syntax === 'c';
      const key = asCpp ? `${path}\0cpp` : path;
      const hit = this.disk.get(key);
      if (hit && hit.mtimeMs === st.mtimeMs) return hit.doc;
      const text = open && asCpp ? open.getText() : readFileSync(path, 'utf8');
      const doc = asCpp ? new AnalyzedDocument(path, text, { syntax: 'gas', cpp: true }) : AnalyzedDocument.create(path, text);
      this.disk.set(key, { mtimeMs: st.mtimeMs, doc });
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
        const child = this.load(p, d.syntax === 'gas' ? d : undefined);
        if (!child) continue;
        out.push(child);
        walk(child, depth + 1);
      }
    };
    walk(doc, 0);
    return out;
  }

  /**
   * `reach`: for a C document, find the asm text its macros and its headers' macros bring into
   * asm statements (the CLI does this once for all the files it lints instead).
   */
  contextFor(doc: AnalyzedDocument, reach = true): AnalyzeContext {
    const macros = new Set<string>(), imacros = new Set<string>();
    // A C document's headers matter only for the macros that reach its asm (the CLI finds
    // those across all the files it lints at once).
    const closure = doc.syntax === 'c' && !reach ? [] : this.includeClosure(doc);
    for (const d of closure) {
      // Our own wrapper headers define no instruction-named macros; skip parsing cost for them.
      documentMacros(d, macros, imacros);
    }
    const st = this.settings();
    const ctx: AnalyzeContext = { macros, imacros, defines: defineSetFor(doc.path, st.defines, st.undefines, this.root) };
    if (reach && doc.syntax === 'c') {
      const cDocs = [doc, ...closure.filter((d) => d.syntax === 'c')];
      ctx.cReach = findAsmReach(cDocs.map(reachSourceOf), cDocs)[0];
    }
    return ctx;
  }
}
