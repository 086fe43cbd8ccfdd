// C/C++ outline without a compiler: function definitions, struct/union/enum/class and
// namespace bodies, and #define macros, found by a token scan that skips comments, literals
// and preprocessor lines and tracks braces. Good enough for an outline and go-to-definition
// in kernel C; declarations without a body are not definitions and are left out.

export type CSymbolKind = 'function' | 'struct' | 'union' | 'enum' | 'class' | 'namespace' | 'macro' | 'constant';

export interface CSymbol {
  name: string;
  kind: CSymbolKind;
  /** Offsets of the whole definition and of its name. */
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
  children: CSymbol[];
}

interface Tok { t: string; s: number; e: number }

const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'sizeof', 'do', 'else', 'case', 'defined',
  '__attribute__', '__declspec', 'alignas', '_Alignas', 'decltype', 'typeof', '__typeof__', 'asm', '__asm__', '__asm', 'static_assert', '_Static_assert']);
const AFTER_PARAMS = new Set(['const', 'noexcept', 'override', 'final', 'volatile', '&', '&&', 'throw', 'mutable']);
const CONTAINERS = new Set(['struct', 'union', 'enum', 'class', 'namespace']);

function isIdStart(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; }
function isId(c: number): boolean { return isIdStart(c) || (c >= 48 && c <= 57); }

/** Identifiers and punctuation, without comments, literals or preprocessor lines; #defines are collected. */
export function tokenizeC(t: string, defines?: CSymbol[]): Tok[] {
  const out: Tok[] = [];
  const n = t.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === 10) { lineStart = true; i++; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12) { i++; continue; }
    if (c === 92 && (t.charCodeAt(i + 1) === 10 || t.charCodeAt(i + 1) === 13)) { i += 2; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 47) { const e = t.indexOf('\n', i); i = e < 0 ? n : e; continue; }
    if (c === 47 && t.charCodeAt(i + 1) === 42) { const e = t.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (c === 35 && lineStart) {
      // A preprocessor line, with its backslash continuations.
      let e = i;
      for (;;) {
        const nl = t.indexOf('\n', e);
        if (nl < 0) { e = n; break; }
        let k = nl - 1;
        if (t.charCodeAt(k) === 13) k--;
        if (t.charCodeAt(k) === 92) { e = nl + 1; continue; }
        e = nl;
        break;
      }
      if (defines) {
        const m = /^#\s*define\s+([A-Za-z_]\w*)(\()?/.exec(t.slice(i, Math.min(e, i + 200)));
        if (m) {
          const nameStart = i + m[0].length - m[1].length - (m[2] ? 1 : 0);
          defines.push({ name: m[1], kind: m[2] ? 'macro' : 'constant', start: i, end: e, nameStart, nameEnd: nameStart + m[1].length, children: [] });
        }
      }
      i = e;
      continue;
    }
    lineStart = false;
    if (c === 34 || c === 39) {
      let k = i + 1;
      while (k < n) { const d = t.charCodeAt(k); if (d === 92) { k += 2; continue; } if (d === c || d === 10) { k++; break; } k++; }
      i = k;
      continue;
    }
    if (isIdStart(c)) {
      let k = i + 1;
      while (k < n && isId(t.charCodeAt(k))) k++;
      out.push({ t: t.slice(i, k), s: i, e: k });
      i = k;
      continue;
    }
    if (c >= 48 && c <= 57) { let k = i + 1; while (k < n && (isId(t.charCodeAt(k)) || t.charCodeAt(k) === 46)) k++; i = k; continue; }
    const two = t.slice(i, i + 2);
    if (two === '::' || two === '->' || two === '&&') { out.push({ t: two, s: i, e: i + 2 }); i += 2; continue; }
    out.push({ t: t[i], s: i, e: i + 1 });
    i++;
  }
  return out;
}

/** Index of the token matching the closer at `k` (scanning back), or -1. */
function openerBefore(toks: Tok[], k: number, open: string, close: string): number {
  let depth = 0;
  for (let i = k; i >= 0; i--) {
    if (toks[i].t === close) depth++;
    else if (toks[i].t === open && --depth === 0) return i;
  }
  return -1;
}

/** Where the declaration ending at token k began: after the previous ; { } at the same level. */
function declStart(toks: Tok[], k: number): number {
  let depth = 0;
  for (let i = k; i >= 0; i--) {
    const x = toks[i].t;
    if (x === ')' || x === ']') depth++;
    else if (x === '(' || x === '[') depth--;
    else if (depth <= 0 && (x === ';' || x === '{' || x === '}')) return i + 1;
  }
  return 0;
}

interface Open { sym: CSymbol | null; transparent: boolean }

/** Definitions in a C/C++ text, nested (members of classes and namespaces), in order. */
export function cOutline(t: string): CSymbol[] {
  const defines: CSymbol[] = [];
  const toks = tokenizeC(t, defines);
  const top: CSymbol[] = [];
  const stack: Open[] = [];
  // Definitions go into the innermost open class or namespace; inside a function or any other
  // block nothing is collected.
  const scopeList = (): CSymbol[] | null => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const o = stack[i];
      if (o.transparent) continue;
      if (o.sym && o.sym.kind !== 'function' && o.sym.kind !== 'enum') return o.sym.children;
      return null;
    }
    return top;
  };
  for (let k = 0; k < toks.length; k++) {
    const x = toks[k].t;
    if (x === '}') {
      const o = stack.pop();
      if (o?.sym) o.sym.end = toks[k].e;
      continue;
    }
    if (x !== '{') continue;
    const list = scopeList();
    let sym: CSymbol | null = null;
    let transparent = false;
    if (list) {
      let j = k - 1;
      // Qualifiers and attributes between the parameter list and the body.
      for (;;) {
        if (j >= 0 && AFTER_PARAMS.has(toks[j].t)) { j--; continue; }
        if (j >= 0 && toks[j].t === ')') {
          const o = openerBefore(toks, j, '(', ')');
          const before = o > 0 ? toks[o - 1].t : '';
          if (before === 'throw' || before === 'noexcept' || (before === '(' && o > 1 && toks[o - 2].t === '__attribute__')) {
            j = before === '(' ? o - 3 : o - 2;
            continue;
          }
          if (before === '__attribute__') { j = o - 2; continue; }
        }
        break;
      }
      const start = toks[declStart(toks, k - 1)];
      if (j >= 0 && toks[j].t === ')') {
        let o = openerBefore(toks, j, '(', ')');
        // A constructor's member initializers (`) : a(1), b(2) {`): the parameters are before the `:`.
        if (o >= 2 && (toks[o - 2].t === ',' || toks[o - 2].t === ':')) {
          let q = o - 2;
          while (q > 0 && toks[q].t !== ':') q--;
          if (q > 0 && toks[q - 1].t === ')') o = openerBefore(toks, q - 1, '(', ')');
        }
        const nameTok = o > 0 ? toks[o - 1] : null;
        if (nameTok && isIdStart(nameTok.t.charCodeAt(0)) && !NOT_FUNCTIONS.has(nameTok.t)) {
          let name = nameTok.t;
          for (let q = o - 2; q >= 1 && toks[q].t === '::' && isIdStart(toks[q - 1].t.charCodeAt(0)); q -= 2) name = `${toks[q - 1].t}::${name}`;
          if (o >= 2 && toks[o - 2].t === '~') name = `~${name}`;
          sym = { name, kind: 'function', start: (start ?? nameTok).s, end: toks[k].e, nameStart: nameTok.s, nameEnd: nameTok.e, children: [] };
        }
      } else if (j >= 0 && toks[j].t === 'extern') {
        transparent = true; // extern "C" { ... }
      } else {
        // struct NAME {, class NAME : public B {, namespace NAME {, enum class NAME : int {
        const from = declStart(toks, k - 1);
        for (let q = from; q < k; q++) {
          if (!CONTAINERS.has(toks[q].t)) continue;
          let r = q + 1;
          while (r < k && (toks[r].t === 'class' || toks[r].t === 'struct' || toks[r].t === '__attribute__' || toks[r].t === '(' || toks[r].t === ')')) r++;
          const nameTok = r < k && isIdStart(toks[r].t.charCodeAt(0)) ? toks[r] : null;
          // `struct s x = { ... }` is an initializer, not a body.
          const body = !toks.slice(r + 1, k).some((z) => z.t === '=' || z.t === '(' || z.t === ';');
          if (nameTok && body) {
            sym = { name: nameTok.t, kind: toks[q].t as CSymbolKind, start: toks[from].s, end: toks[k].e, nameStart: nameTok.s, nameEnd: nameTok.e, children: [] };
          } else if (toks[q].t === 'namespace') {
            transparent = true; // anonymous namespace
          }
          break;
        }
      }
      if (sym) list.push(sym);
    }
    stack.push({ sym, transparent });
  }
  // Macros first, in text order with the rest.
  return [...defines, ...top].sort((a, b) => a.start - b.start);
}

/** Every symbol of an outline, depth first. */
export function flattenOutline(list: CSymbol[], out: CSymbol[] = []): CSymbol[] {
  for (const s of list) { out.push(s); flattenOutline(s.children, out); }
  return out;
}
