// A small C-like expression language for breakpoint conditions, exception-filter conditions,
// watch and hover: numbers, names (registers, symbols, exit fields), strings for equality,
// `[addr]` / `byte [addr]` / `word [addr]` / `*addr` memory reads, and C's operators with C's
// precedence. Parsed once into closures; no eval, no host access beyond what the scope offers.

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/** What an expression can see. `name` returns undefined for a name that does not apply here. */
export interface ExpressionScope {
  name(id: string): number | string | undefined;
  /** Reads `size` bytes little-endian at a linear address; null when unmapped. */
  read(addr: number, size: 1 | 2 | 4): number | null;
}

export type Value = number | string;
export type Compiled = (scope: ExpressionScope) => Value;

/** Thrown while evaluating when a name does not apply (an exit field of another exit kind). */
export class NotApplicable extends Error {}

const TOKEN = /\s*(0x[0-9a-fA-F]+|0b[01]+|\d+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$.][A-Za-z0-9_$.]*|<<|>>|==|!=|<=|>=|&&|\|\||[-+*/%()<>!~&|^[\]])/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (text.slice(pos).trim() === '') break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new ExpressionError(`cannot read the expression at '${text.slice(pos).trim()}'`);
    out.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return out;
}

const BINARY: Array<Record<string, (a: number, b: number) => number>> = [
  { '||': (a, b) => (a || b ? 1 : 0) },
  { '&&': (a, b) => (a && b ? 1 : 0) },
  { '|': (a, b) => (a | b) >>> 0 },
  { '^': (a, b) => (a ^ b) >>> 0 },
  { '&': (a, b) => (a & b) >>> 0 },
  { '==': (a, b) => (a === b ? 1 : 0), '!=': (a, b) => (a !== b ? 1 : 0) },
  { '<': (a, b) => (a < b ? 1 : 0), '<=': (a, b) => (a <= b ? 1 : 0), '>': (a, b) => (a > b ? 1 : 0), '>=': (a, b) => (a >= b ? 1 : 0) },
  { '<<': (a, b) => (a << (b & 31)) >>> 0, '>>': (a, b) => a >>> (b & 31) },
  { '+': (a, b) => (a + b) >>> 0, '-': (a, b) => (a - b) >>> 0 },
  {
    '*': (a, b) => Math.imul(a, b) >>> 0,
    '/': (a, b) => { if (b === 0) throw new ExpressionError('division by zero'); return Math.floor(a / b) >>> 0; },
    '%': (a, b) => { if (b === 0) throw new ExpressionError('division by zero'); return (a % b) >>> 0; },
  },
];

const SIZES: Record<string, 1 | 2 | 4> = { byte: 1, word: 2, dword: 4 };

function num(v: Value, what: string): number {
  if (typeof v !== 'number') throw new ExpressionError(`${what} needs a number, got the string "${v}"`);
  return v;
}

class Parser {
  private i = 0;
  constructor(private readonly t: string[], private readonly text: string) {}

  parse(): Compiled {
    if (this.t.length === 0) throw new ExpressionError('the expression is empty');
    const e = this.binary(0);
    if (this.i < this.t.length) throw new ExpressionError(`unexpected '${this.t[this.i]}' in '${this.text}'`);
    return e;
  }

  private peek(): string | undefined { return this.t[this.i]; }
  private expect(tok: string): void {
    if (this.t[this.i] !== tok) throw new ExpressionError(`expected '${tok}' in '${this.text}'`);
    this.i++;
  }

  private binary(level: number): Compiled {
    if (level >= BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peek();
      const fn = op !== undefined ? BINARY[level]![op] : undefined;
      if (!fn) return left;
      this.i++;
      const right = this.binary(level + 1);
      const l = left;
      if (op === '==' || op === '!=') {
        const eq = op === '==';
        left = (s) => { const a = l(s), b = right(s); return (a === b) === eq ? 1 : 0; };
      } else if (op === '&&') {
        left = (s) => (num(l(s), '&&') ? (num(right(s), '&&') ? 1 : 0) : 0);
      } else if (op === '||') {
        left = (s) => (num(l(s), '||') ? 1 : num(right(s), '||') ? 1 : 0);
      } else {
        left = (s) => fn(num(l(s), op!), num(right(s), op!));
      }
    }
  }

  private unary(): Compiled {
    const op = this.peek();
    if (op === '!' || op === '~' || op === '-' || op === '+') {
      this.i++;
      const e = this.unary();
      if (op === '!') return (s) => (num(e(s), '!') ? 0 : 1);
      if (op === '~') return (s) => ~num(e(s), '~') >>> 0;
      if (op === '-') return (s) => (-num(e(s), '-')) >>> 0;
      return e;
    }
    if (op === '*') { this.i++; const e = this.unary(); return memory(e, 4); }
    if (op !== undefined && SIZES[op.toLowerCase()] && this.t[this.i + 1] === '[') {
      this.i++;
      return this.bracket(SIZES[op.toLowerCase()]!);
    }
    if (op === '[') return this.bracket(4);
    return this.primary();
  }

  private bracket(size: 1 | 2 | 4): Compiled {
    this.expect('[');
    const e = this.binary(0);
    this.expect(']');
    return memory(e, size);
  }

  private primary(): Compiled {
    const tok = this.t[this.i++];
    if (tok === undefined) throw new ExpressionError(`'${this.text}' ends too early`);
    if (tok === '(') { const e = this.binary(0); this.expect(')'); return e; }
    if (/^0x/i.test(tok)) { const v = parseInt(tok.slice(2), 16) >>> 0; return () => v; }
    if (/^0b/i.test(tok)) { const v = parseInt(tok.slice(2), 2) >>> 0; return () => v; }
    if (/^\d/.test(tok)) {
      const v = Number(tok);
      if (!Number.isSafeInteger(v)) throw new ExpressionError(`number ${tok} is too large`);
      return () => v >>> 0;
    }
    if (tok[0] === '"' || tok[0] === "'") { const v = tok.slice(1, -1).replace(/\\(.)/g, '$1'); return () => v; }
    if (/^[A-Za-z_$.]/.test(tok)) {
      return (s) => {
        const v = s.name(tok);
        if (v === undefined) throw new NotApplicable(tok);
        return v;
      };
    }
    throw new ExpressionError(`unexpected '${tok}' in '${this.text}'`);
  }
}

function memory(addr: Compiled, size: 1 | 2 | 4): Compiled {
  return (s) => {
    const a = num(addr(s), 'a memory read') >>> 0;
    const v = s.read(a, size);
    if (v === null) throw new ExpressionError(`memory at 0x${a.toString(16)} is not mapped`);
    return v;
  };
}

/** Parses once; throws ExpressionError naming what it could not read. */
export function compileExpression(text: string): Compiled {
  if (typeof text !== 'string') throw new ExpressionError('the expression must be a string');
  if (text.length > 4096) throw new ExpressionError('the expression is longer than 4096 characters');
  return new Parser(tokenize(text), text.trim()).parse();
}

/** A condition: true when the expression is non-zero; false when a name it uses does not apply. */
export function compileCondition(text: string): (scope: ExpressionScope) => boolean {
  const e = compileExpression(text);
  return (s) => {
    try {
      const v = e(s);
      return typeof v === 'string' ? v.length > 0 : v !== 0;
    } catch (err) {
      if (err instanceof NotApplicable) return false;
      throw err;
    }
  };
}
