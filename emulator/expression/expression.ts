// A small C-like expression language, the one parser for the debugger's breakpoint and
// exception-filter conditions, watches and hovers, and for exit filters (`paravirt run
// --stop-on`, the machine's stop filter): numbers, names (registers, symbols, exit fields),
// strings for equality, `[addr]` / `byte [addr]` / `word [addr]` memory reads, and C's
// operators with C's precedence. With DWARF the names of variables are typed values: members
// (`.`, `->`), indexing, `*`, `&`, casts to the program's types and pointer arithmetic scaled
// by the pointee's size. Parsed once into closures; no eval, no host access beyond the scope.
//
// A name the scope does not have here (an I/O port on a CR-access exit) is absent: it carries
// through arithmetic, makes any comparison false and `!` true, and counts as false for && and
// ||, so `port == 0x3f8 || eip == 0x1000` still tests eip on exits without a port. A whole
// condition that is absent is false; evaluating an absent expression throws NotApplicable.
//
// Width: values are unsigned 32-bit, and operators wrap to 32 bits, unless the scope says it
// is 64-bit (`width: 64`, a long-mode guest): then every operation is on unsigned 64-bit
// BigInts, `$rax`-style names and 8-byte typed values keep all their bits, pointers are 8
// bytes and `qword [addr]` reads 8. Addresses handed to the scope stay numbers (in 64-bit, the
// signed value of the 64 bits, as the DWARF reader represents them: exact when canonical).
//
// The exit-filter syntax differs in one rule it was published with: & ^ | bind tighter than
// comparisons (`qualification & 0x40 == 0x40` means what it reads like), where C binds them
// looser. The precedence table is the only difference.

import { scalarValue, sizeOf, strip, type CType } from '../loader/dwarf';
import {
  ExpressionError, M64, addressOf, bigBytes, bigOf, bytesOf, elementOf, intBytes, memberOf, numOf, offsetAddress, pointeeSize,
  pointerSize, pointerTo, wide, type ExpressionScope, type Typed, type Value,
} from './typed-values';
import { builtin, type BuiltinArg } from './builtins';

export { ExpressionError };
export type { ExpressionScope, Typed, Value };




/** A name the scope does not have for this evaluation. */
interface Absent { kind: 'absent'; name: string }

type Inner = Value | Absent;
export type Compiled = (scope: ExpressionScope) => Value;
type InnerCompiled = (scope: ExpressionScope) => Inner;

/** Thrown while evaluating when a name does not apply (an exit field of another exit kind). */
export class NotApplicable extends Error {}

/** 'c': C's precedence (the debugger). 'filter': & ^ | bind tighter than comparisons (exit filters). */
export type ExpressionSyntax = 'c' | 'filter';

export interface ParsedExpression {
  /** Evaluates; throws NotApplicable naming the first absent name when the result is absent. */
  evaluate: Compiled;
  /** As a condition: non-zero (or a non-empty string) is true; absent is false. */
  test: (scope: ExpressionScope) => boolean;
  /** The names the expression reads from its scope (not member names, not type names). */
  names: ReadonlySet<string>;
  /** Whether it reads guest memory ([addr], *ptr, members of pointed-to structs...). */
  readsMemory: boolean;
}

const isAbsent = (v: Inner): v is Absent => typeof v === 'object' && v.kind === 'absent';

const TOKEN = /\s*(0x[0-9a-fA-F]+|0b[01]+|\d+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][A-Za-z0-9_$]*|->|<<|>>|==|!=|<=|>=|&&|\|\||[-+*/%()<>!~&|^[\].,])/y;

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

type Op = (a: number, b: number) => number;
type Level = Record<string, Op>;
const OR: Level = { '||': (a, b) => (a || b ? 1 : 0) };
const AND: Level = { '&&': (a, b) => (a && b ? 1 : 0) };
const BIT_OR: Level = { '|': (a, b) => (a | b) >>> 0 };
const BIT_XOR: Level = { '^': (a, b) => (a ^ b) >>> 0 };
const BIT_AND: Level = { '&': (a, b) => (a & b) >>> 0 };
const EQUALITY: Level = { '==': (a, b) => (a === b ? 1 : 0), '!=': (a, b) => (a !== b ? 1 : 0) };
const RELATIONAL: Level = { '<': (a, b) => (a < b ? 1 : 0), '<=': (a, b) => (a <= b ? 1 : 0), '>': (a, b) => (a > b ? 1 : 0), '>=': (a, b) => (a >= b ? 1 : 0) };
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC: Level[] = [
  { '<<': (a, b) => (a << (b & 31)) >>> 0, '>>': (a, b) => a >>> (b & 31) },
  { '+': (a, b) => (a + b) >>> 0, '-': (a, b) => (a - b) >>> 0 },
  {
    '*': (a, b) => Math.imul(a, b) >>> 0,
    '/': (a, b) => { if (b === 0) throw new ExpressionError('division by zero'); return Math.floor(a / b) >>> 0; },
    '%': (a, b) => { if (b === 0) throw new ExpressionError('division by zero'); return (a % b) >>> 0; },
  },
];

/** The 64-bit forms of the operators (a 64-bit scope): unsigned, wrapping at 2^64. */
const WIDE: Record<string, (a: bigint, b: bigint) => bigint | number> = {
  '|': (a, b) => a | b, '^': (a, b) => a ^ b, '&': (a, b) => a & b,
  '==': (a, b) => (a === b ? 1 : 0), '!=': (a, b) => (a !== b ? 1 : 0),
  '<': (a, b) => (a < b ? 1 : 0), '<=': (a, b) => (a <= b ? 1 : 0), '>': (a, b) => (a > b ? 1 : 0), '>=': (a, b) => (a >= b ? 1 : 0),
  '<<': (a, b) => (a << (b & 63n)) & M64, '>>': (a, b) => a >> (b & 63n),
  '+': (a, b) => (a + b) & M64, '-': (a, b) => (a - b) & M64, '*': (a, b) => (a * b) & M64,
  '/': (a, b) => { if (b === 0n) throw new ExpressionError('division by zero'); return a / b; },
  '%': (a, b) => { if (b === 0n) throw new ExpressionError('division by zero'); return a % b; },
};


/** Applies a binary operator at the scope's width. */
function apply(op: string, fn: Op, a: Value, b: Value, s: ExpressionScope): number | bigint {
  if (wide(s)) return WIDE[op]!(bigOf(a, op, s), bigOf(b, op, s));
  return fn(numOf(a, op, s), numOf(b, op, s));
}



/** Binary operators by precedence, loosest first. */
const PRECEDENCE: Record<ExpressionSyntax, Level[]> = {
  c: [OR, AND, BIT_OR, BIT_XOR, BIT_AND, EQUALITY, RELATIONAL, ...ARITHMETIC],
  filter: [OR, AND, EQUALITY, RELATIONAL, BIT_OR, BIT_XOR, BIT_AND, ...ARITHMETIC],
};

const SIZES: Record<string, 1 | 2 | 4 | 8> = { byte: 1, word: 2, dword: 4, qword: 8 };



const BASE_TYPE_WORDS = new Set(['int', 'char', 'short', 'long', 'unsigned', 'signed', 'void', 'struct', 'union', 'enum', 'const', 'volatile', '_Bool']);

class Parser {
  private i = 0;
  readonly names = new Set<string>();
  readsMemory = false;
  private readonly levels: Level[];
  constructor(private readonly t: string[], private readonly text: string, syntax: ExpressionSyntax) {
    this.levels = PRECEDENCE[syntax];
  }

  parse(): InnerCompiled {
    if (this.t.length === 0) throw new ExpressionError('the expression is empty');
    const e = this.binary(0);
    if (this.i < this.t.length) throw new ExpressionError(`unexpected '${this.t[this.i]}' in '${this.text}'`);
    return e;
  }

  private peek(k = 0): string | undefined { return this.t[this.i + k]; }
  private expect(tok: string): void {
    if (this.t[this.i] !== tok) throw new ExpressionError(`expected '${tok}' in '${this.text}'`);
    this.i++;
  }

  private binary(level: number): InnerCompiled {
    if (level >= this.levels.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peek();
      const fn = op !== undefined ? this.levels[level]![op] : undefined;
      if (!fn || op === undefined) return left;
      this.i++;
      const right = this.binary(level + 1);
      const l = left;
      if (op === '&&' || op === '||') {
        const and = op === '&&';
        left = (s) => {
          const a = truth(l(s), op, s);
          if (and ? !a : a) return and ? 0 : 1;
          return truth(right(s), op, s) ? 1 : 0;
        };
      } else if (COMPARISONS.has(op)) {
        left = (s) => {
          const a = l(s), b = right(s);
          if (isAbsent(a) || isAbsent(b)) return 0; // a field this exit does not have never compares
          if (op === '==' || op === '!=') {
            const same = typeof a === 'string' || typeof b === 'string' ? a === b : wide(s) ? bigOf(a, op, s) === bigOf(b, op, s) : numOf(a, op, s) === numOf(b, op, s);
            return same === (op === '==') ? 1 : 0;
          }
          return apply(op, fn, a, b, s);
        };
      } else if (op === '+' || op === '-') {
        // Pointer arithmetic: p + n moves by n elements, p - q counts elements.
        left = (s) => {
          const a = l(s), b = right(s);
          if (isAbsent(a)) return a;
          if (isAbsent(b)) return b;
          const sa = pointeeSize(a), sb = pointeeSize(b);
          if (sa && !sb && typeof a === 'object') {
            const t = strip(a.type);
            const ptrType = t.kind === 'array' ? pointerTo(t.element, pointerSize(s)) : a.type;
            if (wide(s)) {
              const v = WIDE[op]!(bigOf(a, op, s), (bigOf(b, op, s) * BigInt(sa)) & M64) as bigint;
              return { kind: 'typed', type: ptrType, bytes: bigBytes(v, 8) };
            }
            const v = fn(numOf(a, op, s), Math.imul(numOf(b, op, s), sa) >>> 0);
            return { kind: 'typed', type: ptrType, bytes: intBytes(v, 4) };
          }
          if (op === '-' && sa && sb) {
            if (wide(s)) return BigInt.asUintN(64, BigInt.asIntN(64, bigOf(a, op, s) - bigOf(b, op, s)) / BigInt(sa));
            return Math.floor(((numOf(a, op, s) - numOf(b, op, s)) | 0) / sa) >>> 0;
          }
          return apply(op, fn, a, b, s);
        };
      } else {
        left = (s) => {
          const a = l(s), b = right(s);
          if (isAbsent(a)) return a;
          if (isAbsent(b)) return b;
          return apply(op, fn, a, b, s);
        };
      }
    }
  }

  /** A cast: '(' type words '*'... ')'. Null when the parenthesis opens an expression instead. */
  private tryCast(): ((s: ExpressionScope) => CType) | null {
    if (this.peek() !== '(') return null;
    let j = this.i + 1;
    const words: string[] = [];
    while (this.t[j] !== undefined && /^[A-Za-z_$]/.test(this.t[j]!)) words.push(this.t[j++]!);
    if (words.length === 0) return null;
    let stars = 0;
    while (this.t[j] === '*') { stars++; j++; }
    if (this.t[j] !== ')') return null;
    const isTypeWords = words.some((w) => BASE_TYPE_WORDS.has(w));
    // `(name)` alone is a cast only when the program has a type by that name; decided at run time.
    if (!isTypeWords && (words.length !== 1 || stars === 0)) return null;
    const name = words.join(' ');
    this.i = j + 1;
    return (s) => {
      let t = s.typeNamed?.(name);
      if (!t) {
        if (!isTypeWords) throw new ExpressionError(`no type named '${name}' in the program's debug information`);
        t = fallbackType(name);
      }
      for (let k = 0; k < stars; k++) t = pointerTo(t, pointerSize(s));
      return t;
    };
  }

  private unary(): InnerCompiled {
    const op = this.peek();
    if (op === '!' || op === '~' || op === '-' || op === '+') {
      this.i++;
      const e = this.unary();
      if (op === '!') return (s) => { const v = e(s); return isAbsent(v) ? 1 : truth(v, '!', s) ? 0 : 1; };
      if (op === '~') return (s) => { const v = e(s); return isAbsent(v) ? v : wide(s) ? ~bigOf(v, '~', s) & M64 : ~numOf(v, '~', s) >>> 0; };
      if (op === '-') return (s) => { const v = e(s); return isAbsent(v) ? v : wide(s) ? -bigOf(v, '-', s) & M64 : (-numOf(v, '-', s)) >>> 0; };
      return e;
    }
    if (op === '*') {
      this.i++;
      this.readsMemory = true;
      const e = this.unary();
      // Typed pointers load their pointee; a plain number reads a dword there.
      return (s) => {
        const v = e(s);
        if (isAbsent(v)) return v;
        return typeof v === 'object' ? elementOf(v, 0, s, 'dereference') : readMem(s, addressOf(v, '*', s), wide(s) ? 8 : 4);
      };
    }
    if (op === '&') {
      this.i++;
      const e = this.unary();
      return (s) => {
        const v = e(s);
        if (isAbsent(v)) return v;
        if (typeof v !== 'object' || v.address === undefined) throw new ExpressionError('& needs a variable in memory');
        return { kind: 'typed', type: pointerTo(v.type, pointerSize(s)), bytes: intBytes(v.address, pointerSize(s)) };
      };
    }
    if (op !== undefined && SIZES[op.toLowerCase()] && this.t[this.i + 1] === '[') {
      this.i++;
      return this.postfix(this.bracket(SIZES[op.toLowerCase()]!));
    }
    if (op === '[') return this.postfix(this.bracket(4));
    const cast = this.tryCast();
    if (cast) {
      const e = this.unary();
      return (s) => {
        const t = cast(s);
        const v = e(s);
        if (isAbsent(v)) return v;
        const st = strip(t);
        if (st.kind === 'struct' || st.kind === 'union' || st.kind === 'array') {
          return { kind: 'typed', type: t, address: typeof v === 'object' && v.address !== undefined ? v.address : addressOf(v, 'cast', s) };
        }
        if (wide(s) || typeof v === 'bigint') return { kind: 'typed', type: t, bytes: bigBytes(bigOf(v, 'cast', s), sizeOf(t) || 8) };
        return { kind: 'typed', type: t, bytes: intBytes(numOf(v, 'cast', s), sizeOf(t) || 4) };
      };
    }
    return this.postfix(this.primary());
  }

  private postfix(e0: InnerCompiled): InnerCompiled {
    let e = e0;
    for (;;) {
      const op = this.peek();
      if (op === '.' || op === '->') {
        this.i++;
        this.readsMemory = true;
        const name = this.t[this.i++];
        if (name === undefined || !/^[A-Za-z_$]/.test(name)) throw new ExpressionError(`expected a member name after '${op}' in '${this.text}'`);
        const base = e;
        e = (s) => { const v = base(s); return isAbsent(v) ? v : memberOf(v, name, op === '->', s); };
      } else if (op === '[') {
        this.i++;
        this.readsMemory = true;
        const idx = this.binary(0);
        this.expect(']');
        const base = e;
        e = (s) => {
          const v = base(s), i = idx(s);
          if (isAbsent(v)) return v;
          if (isAbsent(i)) return i;
          return elementOf(v, numOf(i, 'an index', s) | 0, s, 'index');
        };
      } else return e;
    }
  }

  private bracket(size: 1 | 2 | 4 | 8): InnerCompiled {
    this.expect('[');
    this.readsMemory = true;
    const e = this.binary(0);
    this.expect(']');
    return (s) => { const a = e(s); return isAbsent(a) ? a : readMem(s, addressOf(a, 'a memory read', s), size); };
  }

  /** A built-in function's call (builtins.ts): its arguments parsed by kind. */
  private call(name: string, fn: NonNullable<ReturnType<typeof builtin>>): InnerCompiled {
    this.expect('(');
    this.readsMemory = true;
    const args: BuiltinArg[] = [];
    const inner: InnerCompiled[] = [];
    for (let k = 0; k < fn.args.length && this.peek() !== ')'; k++) {
      if (k > 0) this.expect(',');
      const kind = fn.args[k]!;
      if (kind === 'value') {
        const e = this.binary(0);
        inner.push(e);
        args.push({ kind: 'value', value: (s) => { const v = e(s); if (isAbsent(v)) throw new NotApplicable(v.name); return v; } });
      } else if (kind === 'type') args.push({ kind: 'type', type: this.typeArgument(name) });
      else args.push({ kind: 'member', path: this.memberPath(name) });
    }
    this.expect(')');
    if (args.length < fn.args.length - (fn.optional ?? 0)) throw new ExpressionError(`${name} takes ${fn.args.length} argument${fn.args.length === 1 ? '' : 's'} (${fn.args.join(', ')})`);
    return (s) => {
      for (const e of inner) { const v = e(s); if (isAbsent(v)) return v; }
      return fn.run(args, s);
    };
  }

  /** A type name as an argument: words then stars (`struct task_struct`, `unsigned long *`). */
  private typeArgument(fn: string): (s: ExpressionScope) => CType {
    const words: string[] = [];
    while (this.peek() !== undefined && /^[A-Za-z_$]/.test(this.peek()!)) words.push(this.t[this.i++]!);
    let stars = 0;
    while (this.peek() === '*') { stars++; this.i++; }
    if (!words.length) throw new ExpressionError(`${fn} needs a type name`);
    const name = words.join(' ');
    const isTypeWords = words.some((w) => BASE_TYPE_WORDS.has(w));
    return (s) => {
      let t = s.typeNamed?.(name);
      if (!t) {
        if (!isTypeWords || /\b(struct|union|enum)\b/.test(name)) throw new ExpressionError(`no type named '${name}' in the program's debug information`);
        t = fallbackType(name);
      }
      for (let k = 0; k < stars; k++) t = pointerTo(t, pointerSize(s));
      return t;
    };
  }

  /** A member path as an argument: `m`, `a.b`, `a[2].c`. */
  private memberPath(fn: string): Array<string | number> {
    const path: Array<string | number> = [];
    for (;;) {
      const tok = this.t[this.i++];
      if (tok === undefined || !/^[A-Za-z_$]/.test(tok)) throw new ExpressionError(`${fn} needs a member name`);
      path.push(tok);
      while (this.peek() === '[') {
        this.i++;
        const n = this.t[this.i++];
        if (n === undefined || !/^\d+$|^0x/i.test(n)) throw new ExpressionError(`${fn}: a member path's index must be a number`);
        path.push(Number(n));
        this.expect(']');
      }
      if (this.peek() !== '.') return path;
      this.i++;
    }
  }

  private primary(): InnerCompiled {
    const tok = this.t[this.i++];
    if (tok === undefined) throw new ExpressionError(`'${this.text}' ends too early`);
    if (tok === '(') { const e = this.binary(0); this.expect(')'); return e; }
    // Literals keep their value (icount and cycles pass 2^32); operators wrap to 32 bits.
    if (/^0x/i.test(tok) || /^0b/i.test(tok) || /^\d/.test(tok)) { const v = literal(tok); return () => v; }
    if (tok[0] === '"' || tok[0] === "'") { const v = tok.slice(1, -1).replace(/\\(.)/g, '$1'); return () => v; }
    if (/^[A-Za-z_$]/.test(tok)) {
      const fn = this.peek() === '(' ? builtin(tok) : undefined;
      if (fn) return this.call(tok, fn);
      this.names.add(tok);
      const absent: Absent = { kind: 'absent', name: tok };
      // `current` is a macro in the kernel, not a variable: this CPU's task, when the scope knows it.
      if (tok === 'current') return (s) => s.variable?.(tok) ?? s.name(tok) ?? s.currentTask?.(null) ?? absent;
      return (s) => s.variable?.(tok) ?? s.name(tok) ?? absent;
    }
    throw new ExpressionError(`unexpected '${tok}' in '${this.text}'`);
  }
}

/** A number as written: a number up to 2^53, a BigInt up to 2^64 (a 64-bit address or mask). */
function literal(tok: string): number | bigint {
  let big: bigint;
  try { big = BigInt(/^\d/.test(tok) && !/^0[xb]/i.test(tok) ? tok.replace(/^0+(?=\d)/, '') : tok); }
  catch { throw new ExpressionError(`cannot read the number ${tok}`); }
  if (big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  if (big > M64) throw new ExpressionError(`number ${tok} is too large`);
  return big;
}


/** && and || read absent as false. */
function truth(v: Inner, what: string, s: ExpressionScope): boolean {
  if (isAbsent(v)) return false;
  if (typeof v === 'string') return v.length > 0;
  return wide(s) || typeof v === 'bigint' ? bigOf(v, what, s) !== 0n : numOf(v, what, s) !== 0;
}

/** Base types by their C spelling when the program's DWARF does not name them. */
function fallbackType(name: string): CType {
  const n = name.replace(/\b(const|volatile)\b/g, '').trim().replace(/\s+/g, ' ');
  if (n === 'void') return { kind: 'void' };
  const unsigned = /\bunsigned\b/.test(n);
  const size = /\bchar\b/.test(n) ? 1 : /\bshort\b/.test(n) ? 2 : /\blong long\b/.test(n) ? 8 : 4;
  // DW_ATE_signed 5, unsigned 7, signed_char 6, unsigned_char 8.
  return { kind: 'base', name: n, size, encoding: size === 1 ? (unsigned ? 8 : 6) : unsigned ? 7 : 5 };
}

function readMem(s: ExpressionScope, a: number, size: 1 | 2 | 4 | 8): number | bigint {
  const where = wide(s) ? a : a >>> 0;
  const text = () => '0x' + (where >= 0 ? where.toString(16) : BigInt.asUintN(64, BigInt(where)).toString(16));
  if (size === 8) {
    const b = s.readBytes?.(where, 8);
    if (!b || b.length < 8) throw new ExpressionError(`memory at ${text()} is not mapped`);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }
  const v = s.read(where, size);
  if (v === null) throw new ExpressionError(`memory at ${text()} is not mapped`);
  return v;
}

/**
 * A value as a number (typed scalars by value, arrays by address). In a 64-bit scope the
 * signed value of the 64 bits, as addresses are kept (exact for canonical addresses); use
 * toBigInt for all 64 bits.
 */
export function toNumber(v: Value, s: ExpressionScope): number { return wide(s) || typeof v === 'bigint' ? Number(BigInt.asIntN(64, bigOf(v, 'this', s))) : numOf(v, 'this', s); }

/** A value as an unsigned 64-bit BigInt. */
export function toBigInt(v: Value, s: ExpressionScope): bigint { return bigOf(v, 'this', s); }

/** The bytes of a typed value (read from memory when it is an lvalue). */
export function typedBytes(v: Typed, s: ExpressionScope): Uint8Array { return bytesOf(v, s); }

/** Parses once; throws ExpressionError naming what it could not read. */
export function parseExpression(text: string, syntax: ExpressionSyntax = 'c'): ParsedExpression {
  if (typeof text !== 'string') throw new ExpressionError('the expression must be a string');
  if (text.length > 4096) throw new ExpressionError('the expression is longer than 4096 characters');
  const parser = new Parser(tokenize(text), text.trim(), syntax);
  const e = parser.parse();
  return {
    evaluate: (s) => {
      const v = e(s);
      if (isAbsent(v)) throw new NotApplicable(v.name);
      return v;
    },
    test: (s) => {
      try {
        return truth(e(s), 'a condition', s);
      } catch (err) {
        if (err instanceof NotApplicable) return false;
        throw err;
      }
    },
    names: parser.names,
    readsMemory: parser.readsMemory,
  };
}

/** Parses once (C's precedence); the result throws NotApplicable when a name it needs is absent. */
export function compileExpression(text: string): Compiled {
  return parseExpression(text).evaluate;
}

/** A condition: true when the expression is non-zero; false when it is absent here. */
export function compileCondition(text: string): (scope: ExpressionScope) => boolean {
  return parseExpression(text).test;
}
