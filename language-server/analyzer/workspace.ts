// Files a document reaches through %include / .include / #include: loaded from the editor's
// open documents when present, otherwise from disk (cached by mtime). Used for macro
// suppression, go-to-definition and references across files.

import { readFileSync, statSync, existsSync } from 'node:fs';
import { AnalyzedDocument } from './document';
import { detectSyntax } from './syntax';
import type { AnalyzeContext } from './rules';
import { documentMacros } from './rules';
import { includesOf, resolveInclude } from './symbols';
import { findAsmReach, findAsmReachWithState, type ReachHeaders, type ReachRegion } from './c-asm-reach';
import { reachSourceOf } from './c-reach-source';
import { defineSetFor } from './defines';
import type { Settings } from './types';

const MAX_DEPTH = 8;
const MAX_INCLUDE_BYTES = 8 * 1024 * 1024;
/** Headers followed for the macros that reach asm, at most (a kernel file includes hundreds). */
const MAX_REACH_HEADERS = 400;
/** How long a document's header list is trusted before the include paths are looked at again. */
const RECHECK_MS = 2000;
/** Header lists whose search is kept (the oldest goes first). */
const MAX_HEADER_SETS = 16;

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
    // Instruction-named assembler macros come from assembly includes; a C document's headers
    // matter only for the C macros that reach its asm (reachFor, or the CLI across all files).
    const closure = doc.syntax === 'c' ? [] : this.includeClosure(doc);
    for (const d of closure) {
      // Our own wrapper headers define no instruction-named macros; skip parsing cost for them.
      documentMacros(d, macros, imacros);
    }
    const st = this.settings();
    const ctx: AnalyzeContext = { macros, imacros, defines: defineSetFor(doc.path, st.defines, st.undefines, this.root) };
    if (reach && doc.syntax === 'c') ctx.cReach = this.reachFor(doc);
    return ctx;
  }

  /** C headers a C document reaches, `#include <...>` included (through the include paths). */
  private reachClosure(doc: AnalyzedDocument): AnalyzedDocument[] {
    const key = includesOf(doc, true).map((i) => i.path).join('\0');
    const hit = this.closures.get(doc.path);
    if (hit && hit.key === key && performance.now() - hit.at < RECHECK_MS) return hit.docs;
    const out: AnalyzedDocument[] = [];
    const seen = new Set<string>([doc.path]);
    const walk = (d: AnalyzedDocument, depth: number) => {
      if (depth >= MAX_DEPTH || out.length >= MAX_REACH_HEADERS) return;
      for (const inc of includesOf(d, true)) {
        const p = this.resolve(d.path, inc.path);
        if (!p || seen.has(p)) continue;
        seen.add(p);
        const child = this.load(p);
        if (!child || child.syntax !== 'c') continue;
        out.push(child);
        walk(child, depth + 1);
      }
    };
    walk(doc, 0);
    this.closures.set(doc.path, { key, at: performance.now(), docs: out });
    return out;
  }
  private closures = new Map<string, { key: string; at: number; docs: AnalyzedDocument[] }>();

  /**
   * The asm text macros bring into `doc`: its headers are searched once (and again only when
   * one of them changes), then each analysis searches the document against what they gave.
   */
  private reachFor(doc: AnalyzedDocument): ReachRegion[] {
    const headers = this.reachClosure(doc);
    if (headers.length === 0) return findAsmReach([reachSourceOf(doc)], [doc])[0];
    const texts = headers.map((d) => d.getText());
    // Keyed by the header list: files that include the same headers share the search.
    const key = headers.map((d) => d.path).join('\0');
    let h = this.headerReach.get(key);
    if (!h || h.docs.some((d, i) => d !== headers[i] || h!.texts[i] !== texts[i])) {
      const sources = headers.map(reachSourceOf);
      h = { docs: headers, texts, reach: { sources, keys: headers, state: findAsmReachWithState(sources, headers).state } };
      this.headerReach.delete(key);
      if (this.headerReach.size >= MAX_HEADER_SETS) this.headerReach.delete(this.headerReach.keys().next().value!);
      this.headerReach.set(key, h);
    }
    return findAsmReach([reachSourceOf(doc)], [doc], h.reach)[0];
  }
  /** Per header list: the headers as last searched (the same ReachHeaders object while they are unchanged). */
  private headerReach = new Map<string, { docs: AnalyzedDocument[]; texts: string[]; reach: ReachHeaders }>();
}
