// The C preprocessor's conditionals (#if/#ifdef/#ifndef/#elif/#else/#endif), evaluated with
// the macros a project defines (the paravirt.defines setting, `-D`/`-U` on `paravirt lint`, a
// compile_commands.json entry) and those the file itself #defines. A macro nobody defined is
// unknown unless the definitions are complete (a compiler command line): a branch that depends
// on one stays active, so code is never hidden on a guess. What is known false is inactive:
// no findings there, and the editor greys it.

export interface DefineSet {
  /** name -> value ('' for `-D NAME`), or null for a macro known to be undefined (`-U NAME`). */
  macros: Map<string, string | null>;
  /** A compiler's full command line: a macro not in `macros` is undefined. */
  complete: boolean;
  /** Where the definitions come from, for messages ("paravirt.defines", "compile_commands.json"). */
  source: string;
}

export interface InactiveRegion {
  /** First and last line (0-based, inclusive) of the skipped text, directive lines excluded. */
  startLine: number;
  endLine: number;
  reason: string;
}

/** Parse `NAME`, `NAME=VALUE` (as -D takes them). Returns null for a malformed name. */
export function parseDefine(s: string): { name: string; value: string } | null {
  const m = /^\s*([A-Za-z_]\w*)(?:\s*=(.*))?$/s.exec(s);
  return m ? { name: m[1], value: m[2] === undefined ? '1' : m[2].trim() } : null;
}

const UNKNOWN = Symbol('unknown');
type Known = string | null | typeof UNKNOWN;

type V = number | null;

class Evaluator {
  constructor(private readonly known: Map<string, Known>, private readonly complete: boolean) {}
  private toks: string[] = [];
  private i = 0;
  private depth = 0;

  eval(expr: string): V {
    this.toks = expr.replace(/\/\*.*?\*\/|\/\/.*$/g, ' ').match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|'(?:[^'\\]|\\.)+'|&&|\|\||<<|>>|[<>=!]=|\S/g) ?? [];
    this.i = 0;
    try {
      const v = this.ternary();
      return this.i === this.toks.length ? v : null;
    } catch { return null; }
  }

  private peek(): string | undefined { return this.toks[this.i]; }
  private next(): string { const t = this.toks[this.i++]; if (t === undefined) throw new Error('end'); return t; }

  private ternary(): V {
    const c = this.binary(0);
    if (this.peek() !== '?') return c;
    this.i++;
    const a = this.ternary();
    if (this.next() !== ':') throw new Error(':');
    const b = this.ternary();
    if (c === null) return a !== null && a === b ? a : null;
    return c ? a : b;
  }

  private static readonly PREC: Record<string, number> = {
    '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
    '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
  };

  private binary(min: number): V {
    let l = this.unary();
    for (;;) {
      const op = this.peek();
      const p = op === undefined ? undefined : Evaluator.PREC[op];
      if (p === undefined || p <= min) return l;
      this.i++;
      const r = this.binary(p);
      l = apply(op!, l, r);
    }
  }

  private unary(): V {
    const t = this.next();
    if (t === '!') { const v = this.unary(); return v === null ? null : v ? 0 : 1; }
    if (t === '-') { const v = this.unary(); return v === null ? null : -v; }
    if (t === '+') return this.unary();
    if (t === '~') { const v = this.unary(); return v === null ? null : ~v; }
    if (t === '(') { const v = this.ternary(); if (this.next() !== ')') throw new Error(')'); return v; }
    if (/^\d/.test(t)) return Number.parseInt(t.replace(/[uUlL]+$/, ''), t.startsWith('0x') || t.startsWith('0X') ? 16 : t.length > 1 && t.startsWith('0') ? 8 : 10);
    if (t.startsWith("'")) return t.length === 3 ? t.charCodeAt(1) : null;
    if (t === 'defined') {
      const paren = this.peek() === '(';
      if (paren) this.i++;
      const name = this.next();
      if (paren && this.next() !== ')') throw new Error(')');
      const k = this.known.get(name);
      if (k === undefined) return this.complete ? 0 : null;
      return k === UNKNOWN ? null : k === null ? 0 : 1;
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (this.peek() === '(') { // a function-like macro (IS_ENABLED(...)): not expanded here
        let d = 0;
        do { const x = this.next(); if (x === '(') d++; else if (x === ')') d--; } while (d > 0);
        return null;
      }
      const k = this.known.get(t);
      if (k === undefined) return this.complete ? 0 : null;
      if (k === UNKNOWN) return null;
      if (k === null) return 0;
      if (this.depth > 16) return null;
      this.depth++;
      const inner = new Evaluator(this.known, this.complete);
      inner.depth = this.depth;
      const v = k.trim() === '' ? null : inner.eval(k);
      this.depth--;
      return v;
    }
    throw new Error(`token ${t}`);
  }
}

function apply(op: string, a: V, b: V): V {
  if (op === '&&') return a === 0 || b === 0 ? 0 : a === null || b === null ? null : 1;
  if (op === '||') return (a !== null && a !== 0) || (b !== null && b !== 0) ? 1 : a === null || b === null ? null : 0;
  if (a === null || b === null) return null;
  switch (op) {
    case '|': return a | b; case '^': return a ^ b; case '&': return a & b;
    case '==': return a === b ? 1 : 0; case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0; case '>': return a > b ? 1 : 0; case '<=': return a <= b ? 1 : 0; case '>=': return a >= b ? 1 : 0;
    case '<<': return a << b; case '>>': return a >> b; case '+': return a + b; case '-': return a - b; case '*': return a * b;
    case '/': return b === 0 ? null : Math.trunc(a / b); case '%': return b === 0 ? null : a % b;
  }
  return null;
}

interface Frame {
  /** The group's enclosing text is active (or unknown). */
  parentLive: boolean;
  /** true: a branch so far was taken for sure; null: maybe; false: none. */
  taken: boolean | null;
  /** The current branch: live (active or unknown) or not, and since which line. */
  live: boolean;
  from: number;
  /** Why the current branch is out, built only when it is reported. */
  reason: () => string;
  /** Inside a branch that may or may not be compiled. */
  uncertain: boolean;
}

function endsWithBackslash(s: string): boolean {
  let e = s.length - 1;
  if (e >= 0 && s.charCodeAt(e) === 13) e--;
  return e >= 0 && s.charCodeAt(e) === 92;
}

const EARLIER = () => 'inactive: an earlier branch of this #if is taken';

const DIRECTIVE = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif|define|undef|elifdef|elifndef)\b(.*)$/;

/**
 * The inactive regions of a C or cpp-preprocessed assembly text, given as lines. Directive
 * lines continued with a backslash are read whole.
 */
export function inactiveRegions(lines: readonly string[], defs: DefineSet): InactiveRegion[] {
  const known = new Map<string, Known>(defs.macros);
  const ev = new Evaluator(known, defs.complete);
  const out: InactiveRegion[] = [];
  const stack: Frame[] = [];
  const live = () => stack.length === 0 || stack[stack.length - 1].live;
  const uncertain = () => stack.length > 0 && stack[stack.length - 1].uncertain;
  const close = (f: Frame, line: number) => {
    if (f.parentLive && !f.live && line - 1 >= f.from) out.push({ startLine: f.from, endLine: line - 1, reason: f.reason() });
  };
  const because = (kind: string, rest: string, v: V) => () => {
    const name = rest.trim().split(/\s+/)[0] ?? '';
    if (kind === 'ifdef') return `inactive: ${name} is not defined (${defs.source})`;
    if (kind === 'ifndef') return `inactive: ${name} is defined (${defs.macros.has(name) ? defs.source : 'in this file'})`;
    // A condition on numbers alone (`#if 0`) is false whatever the project defines.
    const from = /[A-Za-z_]/.test(rest.replace(/\/\*.*?\*\/|\/\/.*$/g, '')) ? ` (${defs.source})` : '';
    return `inactive: \`#${kind} ${rest.trim()}\` is ${v === 0 ? 'false' : 'not taken'}${from}`;
  };
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n];
    let k = 0;
    while (k < l.length && (l.charCodeAt(k) === 32 || l.charCodeAt(k) === 9)) k++;
    if (l.charCodeAt(k) !== 35) continue;
    let text = l;
    const start = n;
    while (endsWithBackslash(text) && n + 1 < lines.length) { text = text.replace(/\\\r?$/, ' ') + lines[++n]; }
    const m = DIRECTIVE.exec(text);
    if (!m) continue;
    const kind = m[1], rest = m[2];
    const cond = (): V => {
      if (kind === 'ifdef' || kind === 'elifdef' || kind === 'ifndef' || kind === 'elifndef') {
        const name = /^\s*(\w*)/.exec(rest)![1];
        const k = known.get(name);
        const v = k === undefined ? (defs.complete ? 0 : null) : k === UNKNOWN ? null : k === null ? 0 : 1;
        return kind.endsWith('ndef') ? (v === null ? null : v ? 0 : 1) : v;
      }
      return ev.eval(rest);
    };
    switch (kind) {
      case 'if': case 'ifdef': case 'ifndef': {
        const parentLive = live();
        const v = parentLive ? cond() : 0;
        stack.push({ parentLive, taken: v === null ? null : v !== 0, live: parentLive && v !== 0, from: n + 1, reason: because(kind, rest, v), uncertain: uncertain() || v === null });
        break;
      }
      case 'elif': case 'elifdef': case 'elifndef': {
        const f = stack[stack.length - 1];
        if (!f) break;
        close(f, start);
        if (!f.parentLive) { f.from = n + 1; break; }
        if (f.taken === true) { f.live = false; f.reason = EARLIER; f.from = n + 1; break; }
        const v = cond();
        f.live = v !== 0;
        f.reason = because('elif', rest, v);
        f.uncertain = (stack.length > 1 && stack[stack.length - 2].uncertain) || v === null || f.taken === null;
        if (v !== 0 && v !== null && f.taken === false) f.taken = true;
        else if (v === null && f.taken === false) f.taken = null;
        f.from = n + 1;
        break;
      }
      case 'else': {
        const f = stack[stack.length - 1];
        if (!f) break;
        close(f, start);
        f.from = n + 1;
        if (!f.parentLive) break;
        f.live = f.taken !== true;
        f.reason = EARLIER;
        f.uncertain = (stack.length > 1 && stack[stack.length - 2].uncertain) || f.taken === null;
        break;
      }
      case 'endif': {
        const f = stack.pop();
        if (f) close(f, start);
        break;
      }
      case 'define': case 'undef': {
        if (!live()) break;
        const dm = /^\s*([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/s.exec(rest);
        if (!dm) break;
        // Inside a branch that may not be compiled, the macro's state is no longer certain.
        if (uncertain()) known.set(dm[1], UNKNOWN);
        else known.set(dm[1], kind === 'undef' ? null : dm[2] ? UNKNOWN : dm[3].replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim());
        break;
      }
    }
  }
  while (stack.length) close(stack.pop()!, lines.length);
  return out.sort((a, b) => a.startLine - b.startLine);
}

/** Whether a line falls in one of the regions (sorted; they never overlap: a group inside an inactive branch is not reported). */
export function lineInactive(regions: readonly InactiveRegion[], line: number): InactiveRegion | null {
  let lo = 0, hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid];
    if (line < r.startLine) hi = mid - 1; else if (line > r.endLine) lo = mid + 1; else return r;
  }
  return null;
}
