// Asm text that is not written inside an asm statement but reaches one through the C
// preprocessor: the body of a macro named in a template (`#define PUSHF "pushfq"` used as
// `asm(PUSHF ...)`, ALTERNATIVE's and _ASM_EXTABLE's bodies), and the arguments given to a
// macro parameter that lands in a template (`asm_safe("rdmsr")`, PVOP_ALT_CALL's
// `"mov %%cr3, %%rax;"`, `alternative("", __ASM_CLAC, ...)`). Found as a fixed point over the
// macros of a set of sources (a file and its headers, or a whole tree): which macros' bodies
// are asm text, and which parameters of which macros carry asm text. Nothing is expanded:
// each piece of text is read where it is written.

import { directiveEnd, isDirectiveHash, parseTemplate, readTemplate, type CAsmStmt } from './c-inline';

export interface CMacroDef {
  name: string;
  /** null for an object-like macro. */
  params: string[] | null;
  variadic: boolean;
  /** Offsets of the `#`, of the name, and of the body (after the name and parameters) to the end of the directive. */
  hash: number;
  nameStart: number;
  bodyStart: number;
  bodyEnd: number;
}

export interface ReachSource {
  path: string;
  text: string;
  /**
   * Template regions of the asm statements in the text (after '(' up to the first ':'), with
   * the asm keyword's offset and the closing ')'.
   */
  asm: Array<{ from: number; to: number; kw?: number; close?: number }>;
}

export interface ReachRegion {
  from: number;
  to: number;
  /** macro-span: text after a macro that opens an asm statement another macro closes (Linux's FOP_START ... FOP_END). */
  kind: 'macro-body' | 'macro-argument' | 'macro-span';
  macro: string;
  /** macro-body: where the macro is named in asm text (nearest first, deduplicated). */
  uses: MacroUse[];
}

/** A place a macro is named in asm text; `text` is that file's text, to place it by line. */
export interface MacroUse { path: string; offset: number; text: string }

export const MAX_USES = 20;

/**
 * How far a macro call's arguments or an opened asm statement are followed (characters), and
 * how much asm text a source may yield in all (times its length): a file of unterminated or
 * nested calls must not make the search quadratic in time or memory.
 */
const MAX_SCAN = 1 << 13;
const REGION_BUDGET = 4;
const MAX_UNCLOSED = 256;
/** Rounds of the fixed points (macro nesting levels followed), and whole-text searches. */
const MAX_ROUNDS = 64;
const MAX_FULL_ROUNDS = 8;

// Starts with the literal '#', which the regex engine finds fast; isDirectiveHash() checks it opens a line.
const DEFINE_RE = /#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(([^)]*)\))?/g;

const defCache = new WeakMap<object, { text: string; defs: CMacroDef[] }>();

/** The #define directives of a C text, in order. `key`: an object to cache the result on while the text is the same. */
export function macroDefs(text: string, key?: object): CMacroDef[] {
  if (key) { const c = defCache.get(key); if (c && c.text === text) return c.defs; }
  const out: CMacroDef[] = [];
  if (text.indexOf('define') >= 0) {
    DEFINE_RE.lastIndex = 0;
    for (let m = DEFINE_RE.exec(text); m; m = DEFINE_RE.exec(text)) {
      const hash = m.index;
      if (!isDirectiveHash(text, hash)) continue;
      const nameStart = text.indexOf(m[1], hash);
      let params: string[] | null = null, variadic = false;
      if (m[2] !== undefined) {
        params = [];
        for (const raw of m[3].split(',')) {
          const p = raw.trim();
          if (!p) continue;
          if (p === '...') { variadic = true; params.push('__VA_ARGS__'); } else if (p.endsWith('...')) { variadic = true; params.push(p.slice(0, -3).trim()); } else params.push(p);
        }
      }
      const bodyStart = m.index + m[0].length;
      const bodyEnd = directiveEnd(text, hash);
      out.push({ name: m[1], params, variadic, hash, nameStart, bodyStart, bodyEnd });
      DEFINE_RE.lastIndex = Math.max(DEFINE_RE.lastIndex, bodyEnd);
    }
  }
  if (key) defCache.set(key, { text, defs: out });
  return out;
}

/** Offsets of the arguments of a macro call whose '(' is at `open` (top-level commas), and the ')'. */
export function macroArgs(t: string, open: number): { args: Array<{ from: number; to: number }>; close: number } | null {
  const args: Array<{ from: number; to: number }> = [];
  let depth = 0, a = open + 1;
  const stop = Math.min(t.length, open + MAX_SCAN);
  for (let i = open + 1; i < stop; i++) {
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) {
      for (i++; i < t.length && t.charCodeAt(i) !== c; i++) { if (t.charCodeAt(i) === 92) i++; else if (t.charCodeAt(i) === 10) break; }
      continue;
    }
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); if (e < 0) return null; i = e + 1; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); if (e < 0) return null; i = e; continue; }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    else if (c === 41) { args.push({ from: a, to: i }); return { args, close: i }; }
    else if (c === 44 && depth === 0) { args.push({ from: a, to: i }); a = i + 1; }
  }
  return null;
}

/** The first ';' outside parentheses, strings and comments from `from` (or the end). */
function statementEnd(t: string, from: number): number {
  let depth = 0;
  const stop = Math.min(t.length, from + MAX_SCAN);
  for (let i = from; i < stop; i++) {
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) { for (i++; i < t.length && t.charCodeAt(i) !== c; i++) { if (t.charCodeAt(i) === 92) i++; else if (t.charCodeAt(i) === 10) break; } continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); if (e < 0) return t.length; i = e + 1; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); if (e < 0) return t.length; i = e; continue; }
    if (c === 40 || c === 123) depth++;
    else if ((c === 41 || c === 125) && --depth < 0) return i;
    else if (c === 59 && depth === 0) return i;
  }
  return stop;
}

const TOKEN_RE = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*|[A-Za-z_]\w*/g;

/**
 * `searchable`: a source whose text is searched for calls and whose asm statements seed the
 * search; headers given only for their #defines are not (their regions are not wanted).
 */
interface Src { s: ReachSource; defs: CMacroDef[]; index: number; searchable: boolean; bodies?: Bodies; budget?: number; unclosed?: number }

/** What the fixed point learnt about macros: whose bodies are asm text, which parameters carry it. */
export interface ReachState { textMacros: ReadonlySet<string>; asmParams: ReadonlyMap<string, ReadonlySet<number>> }

/**
 * Headers whose macros `sources` may use, with what a run over the headers alone found
 * (`state`): the sources are then searched against that, without going through the headers'
 * text again.
 */
export interface ReachHeaders { sources: ReachSource[]; keys?: Array<object | undefined>; state: ReachState }

/** A source's #define bodies joined (with the offset each starts at), to search them alone. */
interface Bodies { text: string; starts: number[]; defIndex: number[] }

function bodiesOf(src: Src): Bodies {
  if (src.bodies) return src.bodies;
  const parts: string[] = [], starts: number[] = [], defIndex: number[] = [];
  let at = 0;
  src.defs.forEach((d, i) => {
    if (d.bodyEnd <= d.bodyStart) return;
    starts.push(at); defIndex.push(i);
    const body = src.s.text.slice(d.bodyStart, d.bodyEnd);
    parts.push(body);
    at += body.length + 1;
  });
  src.bodies = { text: parts.join('\n'), starts, defIndex };
  return src.bodies;
}

function indexByName(srcs: Src[]): Map<string, Array<{ src: Src; def: CMacroDef }>> {
  const byName = new Map<string, Array<{ src: Src; def: CMacroDef }>>();
  for (const src of srcs) for (const def of src.defs) {
    const l = byName.get(def.name);
    if (l) l.push({ src, def }); else byName.set(def.name, [{ src, def }]);
  }
  return byName;
}

/** The headers' sources, macros by name, openers and call search, built once per ReachHeaders. */
interface Prepared { srcs: Src[]; byName: Map<string, Array<{ src: Src; def: CMacroDef }>>; openers: Set<string>; callRe: RegExp | null }
const preparedCache = new WeakMap<ReachHeaders, Prepared>();

function prepared(h: ReachHeaders, first: number): Prepared {
  let p = preparedCache.get(h);
  if (p && p.srcs[0]?.index === first) return p;
  const srcs: Src[] = h.sources.map((s, k) => ({ s, defs: macroDefs(s.text, h.keys?.[k]), index: first + k, searchable: false }));
  const byName = indexByName(srcs);
  const openers = new Set<string>();
  for (const src of srcs) for (const r of src.s.asm) {
    if (r.kw === undefined || r.close === undefined) continue;
    const d = src.defs.find((x) => r.kw! >= x.bodyStart && r.kw! < x.bodyEnd);
    if (d && r.close > d.bodyEnd) openers.add(d.name);
  }
  for (let grew = openers.size > 0, round = 0; grew && round < MAX_ROUNDS; round++) {
    grew = false;
    const re = new RegExp(`\\b(?:${[...openers].join('|')})\\b`);
    for (const src of srcs) for (const d of src.defs) {
      if (openers.has(d.name) || d.bodyEnd <= d.bodyStart) continue;
      if (re.test(src.s.text.slice(d.bodyStart, d.bodyEnd))) { openers.add(d.name); grew = true; }
    }
  }
  const names = [...h.state.asmParams.keys()].filter((n) => byName.get(n)?.some((x) => x.def.params));
  const callRe = names.length ? new RegExp(`\\b(?:${names.join('|')})\\s*\\(`, 'g') : null;
  p = { srcs, byName, openers, callRe };
  preparedCache.set(h, p);
  return p;
}

/**
 * Everything in `sources` that is asm text outside asm statements, per source (by index).
 * `keys`: objects to cache each source's #define list on (e.g. its document).
 */
export function findAsmReach(sources: ReachSource[], keys?: Array<object | undefined>, headers?: ReachHeaders): ReachRegion[][] {
  return findAsmReachWithState(sources, keys, headers).regions;
}

/** findAsmReach(), also returning what was learnt (to pass as ReachHeaders.state later). */
export function findAsmReachWithState(sources: ReachSource[], keys?: Array<object | undefined>, headers?: ReachHeaders): { regions: ReachRegion[][]; state: ReachState } {
  const srcs: Src[] = sources.map((s, index) => ({ s, defs: macroDefs(s.text, keys?.[index]), index, searchable: true }));
  const own = indexByName(srcs);
  const prep = headers ? prepared(headers, sources.length) : null;
  if (prep) for (const h of prep.srcs) srcs.push(h);
  // The sources' own macros first, then the headers' (kept indexed between runs).
  const defsOf = (name: string) => {
    const a = own.get(name), b = prep?.byName.get(name);
    return a && b ? [...a, ...b] : a ?? b;
  };
  const isMacro = (name: string) => own.has(name) || !!prep?.byName.has(name);
  const out: ReachRegion[][] = srcs.map(() => []);
  const textMacros = new Map<string, MacroUse[]>();
  const asmParams = new Map<string, Set<number>>();
  const result = () => ({ regions: out.slice(0, sources.length), state: { textMacros: new Set(textMacros.keys()), asmParams } });
  if (own.size === 0 && !prep?.byName.size) return result();
  const seen = new Set<string>();
  const work: Array<{ src: Src; from: number; to: number; inDef: CMacroDef | null }> = [];
  const enclosing = (src: Src, at: number): CMacroDef | null => {
    const d = src.defs;
    let lo = 0, hi = d.length - 1, r = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (d[mid].hash <= at) { r = mid; lo = mid + 1; } else hi = mid - 1; }
    return r >= 0 && at < d[r].bodyEnd && at >= d[r].bodyStart ? d[r] : null;
  };
  const push = (src: Src, from: number, to: number, region: ReachRegion | null) => {
    const key = `${src.index}:${from}:${to}`;
    if (seen.has(key)) return;
    seen.add(key);
    src.budget ??= src.s.text.length * REGION_BUDGET + MAX_SCAN;
    if ((src.budget -= to - from) < 0) return;
    if (region && src.searchable) out[src.index].push(region);
    work.push({ src, from, to, inDef: enclosing(src, from) });
  };
  let pendingCalls: string[] = [];

  const markText = (name: string, use: MacroUse) => {
    let uses = textMacros.get(name);
    if (uses) { if (uses.length < MAX_USES && !uses.some((u) => u.path === use.path && u.offset === use.offset)) uses.push(use); return; }
    uses = [use];
    textMacros.set(name, uses);
    for (const { src, def } of defsOf(name) ?? []) {
      if (def.bodyEnd > def.bodyStart) push(src, def.bodyStart, def.bodyEnd, { from: def.bodyStart, to: def.bodyEnd, kind: 'macro-body', macro: name, uses });
    }
  };
  const markParam = (name: string, index: number) => {
    let set = asmParams.get(name);
    if (!set) { set = new Set(); asmParams.set(name, set); }
    if (set.has(index)) return;
    set.add(index);
    pendingCalls.push(name);
  };

  const scan = (src: Src, from: number, to: number, inDef: CMacroDef | null) => {
    const t = src.s.text;
    TOKEN_RE.lastIndex = from;
    for (let m = TOKEN_RE.exec(t); m && m.index < to; m = TOKEN_RE.exec(t)) {
      const c = m[0].charCodeAt(0);
      if (c === 34 || c === 39 || c === 47) continue;
      const word = m[0];
      if (inDef && inDef.params) {
        const p = inDef.params.indexOf(word);
        if (p >= 0) { markParam(inDef.name, p); continue; }
      }
      if (isMacro(word) && (!inDef || inDef.name !== word)) markText(word, { path: src.s.path, offset: m.index, text: t });
    }
  };

  /**
   * Calls of macros whose asm-carrying parameters grew: their arguments are asm regions.
   * `bodiesOnly`: look only inside #define bodies (a small part of the text), where calls pass
   * a macro's own parameters on; calls in ordinary code are searched once those settle.
   */
  const callsOf = (names: string[], bodiesOnly: boolean, reuse?: RegExp) => {
    const list = [...new Set(names)].filter((n) => defsOf(n)?.some((x) => x.def.params));
    if (list.length === 0) return;
    const re = reuse ?? new RegExp(`\\b(?:${list.join('|')})\\s*\\(`, 'g');
    for (const src of srcs) {
      if (!src.searchable) continue;
      const t = src.s.text;
      const hay = bodiesOnly ? bodiesOf(src) : null;
      const where = hay ? hay.text : t;
      re.lastIndex = 0;
      for (let m = re.exec(where); m; m = re.exec(where)) {
        const name = /^\w+/.exec(m[0])![0];
        let open = m.index + m[0].length - 1;
        if (hay) {
          let lo = 0, hi = hay.starts.length - 1;
          while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (hay.starts[mid] <= m.index) lo = mid; else hi = mid - 1; }
          open = src.defs[hay.defIndex[lo]].bodyStart + (open - hay.starts[lo]);
        }
        const call = macroArgs(t, open);
        if (!call) {
          // Calls that never close within reach: past a few hundred, stop looking in this text.
          src.unclosed = (src.unclosed ?? 0) + 1;
          if (src.unclosed > MAX_UNCLOSED) break;
          continue;
        }
        const params = asmParams.get(name)!;
        const defParams = defsOf(name)!.find((x) => x.def.params)!.def;
        const variadicAt = defParams.variadic ? defParams.params!.length - 1 : -1;
        call.args.forEach((arg, i) => {
          const p = variadicAt >= 0 && i >= variadicAt ? variadicAt : i;
          if (!params.has(p) || arg.to <= arg.from) return;
          push(src, arg.from, arg.to, { from: arg.from, to: arg.to, kind: 'macro-argument', macro: name, uses: [] });
        });
      }
    }
  };

  let unsearched: string[] = [];

  /**
   * Macros that open an asm statement and leave it to a later macro to close (the asm's ')' is
   * past the end of the body), and macros whose bodies use those: the text after each use, up
   * to the end of the enclosing #define or to the next top-level ';', is asm text.
   */
  function spans(): void {
    const openers = new Set<string>(prep?.openers ?? []);
    for (const src of srcs) if (src.searchable) for (const r of src.s.asm) {
      if (r.kw === undefined || r.close === undefined) continue;
      const d = enclosing(src, r.kw);
      if (d && r.close > d.bodyEnd) openers.add(d.name);
    }
    if (openers.size === 0) return;
    // Macros whose bodies name an opener open too: one search of each text per round, each
    // occurrence mapped to the #define around it (the headers' own openers are known).
    for (let grew = true, round = 0; grew && round < MAX_ROUNDS; round++) {
      grew = false;
      const re = new RegExp(`\\b(?:${[...openers].join('|')})\\b`, 'g');
      for (const src of srcs) {
        if (!src.searchable && prep) continue;
        const t = src.s.text;
        re.lastIndex = 0;
        for (let m = re.exec(t); m; m = re.exec(t)) {
          const d = enclosing(src, m.index);
          if (d && !openers.has(d.name)) { openers.add(d.name); grew = true; }
        }
      }
    }
    const re = new RegExp(`\\b(?:${[...openers].join('|')})\\b`, 'g');
    for (const src of srcs) {
      if (!src.searchable) continue;
      const t = src.s.text;
      re.lastIndex = 0;
      for (let m = re.exec(t); m; m = re.exec(t)) {
        const d = enclosing(src, m.index);
        if (d && d.name === m[0]) continue;
        if (src.defs.some((x) => x.nameStart === m!.index)) continue;
        let from = m.index + m[0].length;
        let k = from;
        while (k < t.length && (t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k++;
        if (t.charCodeAt(k) === 40) { const call = macroArgs(t, k); if (call) from = call.close + 1; }
        const to = d ? d.bodyEnd : statementEnd(t, from);
        if (to > from) push(src, from, to, { from, to, kind: 'macro-span', macro: m[0], uses: [] });
        // Uses inside this span are part of it.
        re.lastIndex = Math.max(re.lastIndex, from, to);
      }
    }
  }
  if (headers && prep) {
    // What the headers alone give: bodies already known to be asm text need no second look,
    // and the sources' calls of the headers' asm-carrying macros are searched once, with one
    // regular expression compiled when the headers were.
    for (const name of headers.state.textMacros) textMacros.set(name, []);
    for (const [name, set] of headers.state.asmParams) asmParams.set(name, new Set(set));
    if (prep.callRe) callsOf([...headers.state.asmParams.keys()], false, prep.callRe);
  }
  for (const src of srcs) if (src.searchable) for (const r of src.s.asm) push(src, r.from, r.to, null);
  spans();
  // Each round follows macro calls one level further; kernels nest a handful of levels
  // (PVOP_ALT_CALLEE0 -> ... -> ALTERNATIVE), a hostile text could nest thousands: past the
  // cap, what was found so far is still searched for in the whole text, a few times at most.
  let rounds = 0, fullRounds = 0;
  for (;;) {
    while (work.length) { const w = work.pop()!; scan(w.src, w.from, w.to, w.inDef); }
    if (pendingCalls.length > 0) {
      const names = pendingCalls;
      pendingCalls = [];
      for (const n of names) unsearched.push(n);
      if (rounds++ < MAX_ROUNDS) { callsOf(names, true); continue; }
    }
    if (unsearched.length === 0 || fullRounds++ >= MAX_FULL_ROUNDS) break;
    const names = unsearched;
    unsearched = [];
    callsOf(names, false);
  }
  for (const list of out) list.sort((a, b) => a.from - b.from);
  return result();
}

/** The asm text of each region, parsed as an asm template would be. */
export function reachStatements(text: string, regions: ReachRegion[]): CAsmStmt[] {
  const out: CAsmStmt[] = [];
  for (const r of regions) {
    const tpl = readTemplate(text, r.from, r.to, false);
    if (tpl.text.length === 0) continue;
    const st: CAsmStmt = {
      kwStart: r.from, closeParen: r.to, templateIsLiteral: false, templateStart: tpl.start, templateEnd: tpl.end,
      regionStart: r.from, regionEnd: r.to, template: tpl.text, map: tpl.map, extended: false, outputs: [], inputs: [],
      statementCount: 0, instrs: [], labels: [], analysis: undefined,
      origin: { kind: r.kind, macro: r.macro, uses: r.uses },
    };
    parseTemplate(st);
    if (st.instrs.length) out.push(st);
  }
  return out;
}
