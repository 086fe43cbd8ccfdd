// Exit filters a person can type: "IO_INSTRUCTION port == 0xf4", "CR_ACCESS cr == 3 && access == 0",
// "EXCEPTION_NMI vector == 14", "VMCALL nr == 0x7fff", "eip >= 0x100000 && eip < 0x101000".
// An optional leading exit-reason name, then an expression over the exit's fields. Parsed
// once into a closure; no eval. Precedence, tightest first: unary ! ~ -, then & ^ |
// (bitwise binds tighter than comparison, unlike C), then comparisons, then &&, then ||.

import type { ExitRecord } from '../trace/exit-record';
import { EXIT_REASONS, ExitReason, QUALIFICATION_FILTER_NAMES, qualificationField } from '../isa/exit-reasons';
import { decodeIo } from '../isa/exit-qualification';
import { PV_RECORD_KINDS, PvKind } from '../trace/record-kinds';

export class ExitFilterError extends Error {
  override name = 'ExitFilterError';
}

type Getter = (r: ExitRecord) => number | undefined;
const IO = ExitReason.IO_INSTRUCTION;
const bool = (b: boolean) => (b ? 1 : 0);

/** The names a filter may use, and how each is read from a record (undefined = not applicable). */
export const FILTER_FIELDS: Readonly<Record<string, Getter>> = {
  reason: (r) => r.reason,
  qualification: (r) => r.qualification >>> 0,
  eip: (r) => r.eip >>> 0,
  cs: (r) => r.cs,
  cpl: (r) => r.cpl,
  icount: (r) => r.icount,
  cycles: (r) => r.cycles,
  gpa: (r) => r.gpa,
  msr: (r) => r.msr,
  value: (r) => r.value,
  vector: (r) => r.vector,
  errorCode: (r) => r.errorCode,
  nr: (r) => (r.reason === ExitReason.VMCALL ? r.value : r.reason === PvKind.HYPERCALL ? r.qualification : undefined),
  leaf: (r) => (r.reason === ExitReason.CPUID ? r.value : undefined),
  // Qualification fields (port, size, in, cr, access, gpr, dr, linear, ...) come from the
  // layouts in the exit-reason table: a field is defined where the record's layout has it.
  ...Object.fromEntries(QUALIFICATION_FILTER_NAMES.map((name): [string, Getter] => [name, (r) => qualificationField(r, name)])),
  out: (r) => (r.reason === IO ? bool(!decodeIo(r.qualification).in) : undefined),
};

type Node = (r: ExitRecord) => number | undefined;

/** Intel's reasons and the PV hypervisor's record kinds (HYPERCALL nr == 29, TRAP_BOUNCE vector == 14, ...). */
const REASONS: ReadonlyArray<{ name: string; reason: number }> = [
  ...EXIT_REASONS, ...PV_RECORD_KINDS.map((k) => ({ name: k.name, reason: k.kind })),
];

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(0x[0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[()<>!~&|^-])/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new ExitFilterError(`cannot read the filter at '${text.slice(pos).trim()}'`);
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  peek(): string | undefined { return this.t[this.i]; }
  take(): string { const v = this.t[this.i++]; if (v === undefined) throw new ExitFilterError('the filter ends too early'); return v; }
  done(): boolean { return this.i >= this.t.length; }

  or(): Node {
    let l = this.and();
    while (this.peek() === '||') { this.take(); const a = l, b = this.and(); l = (r) => bool(!!a(r) || !!b(r)); }
    return l;
  }
  and(): Node {
    let l = this.cmp();
    while (this.peek() === '&&') { this.take(); const a = l, b = this.cmp(); l = (r) => bool(!!a(r) && !!b(r)); }
    return l;
  }
  cmp(): Node {
    const l = this.bits();
    const op = this.peek();
    if (op !== '==' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return l;
    this.take();
    const rgt = this.bits();
    return (r) => {
      const a = l(r), b = rgt(r);
      if (a === undefined || b === undefined) return 0; // a field this exit does not have never matches
      switch (op) {
        case '==': return bool(a === b);
        case '!=': return bool(a !== b);
        case '<': return bool(a < b);
        case '<=': return bool(a <= b);
        case '>': return bool(a > b);
        default: return bool(a >= b);
      }
    };
  }
  bits(): Node {
    let l = this.unary();
    for (let op = this.peek(); op === '&' || op === '|' || op === '^'; op = this.peek()) {
      this.take();
      const a = l, b = this.unary(), o = op;
      l = (r) => {
        const x = a(r), y = b(r);
        if (x === undefined || y === undefined) return undefined;
        return (o === '&' ? x & y : o === '|' ? x | y : x ^ y) >>> 0;
      };
    }
    return l;
  }
  unary(): Node {
    const t = this.peek();
    if (t === '!') { this.take(); const a = this.unary(); return (r) => bool(!a(r)); }
    if (t === '~') { this.take(); const a = this.unary(); return (r) => { const x = a(r); return x === undefined ? undefined : ~x >>> 0; }; }
    if (t === '-') { this.take(); const a = this.unary(); return (r) => { const x = a(r); return x === undefined ? undefined : -x; }; }
    return this.primary();
  }
  primary(): Node {
    const t = this.take();
    if (t === '(') {
      const e = this.or();
      if (this.peek() !== ')') throw new ExitFilterError("missing ')'");
      this.take();
      return e;
    }
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) { const v = Number(t); return () => v; }
    const reason = REASONS.find((x) => x.name === t.toUpperCase() && t === t.toUpperCase());
    if (reason) return () => reason.reason; // reason == CPUID
    const get = FILTER_FIELDS[t];
    if (!get) throw new ExitFilterError(`unknown name '${t}' (fields: ${Object.keys(FILTER_FIELDS).join(', ')})`);
    return get;
  }
}

/** Compiles a filter; throws ExitFilterError with a readable message for bad text. */
export function compileExitFilter(text: string): (r: ExitRecord) => boolean {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ExitFilterError('empty exit filter');
  let reason: number | undefined;
  const first = REASONS.find((x) => x.name === tokens[0]!.toUpperCase());
  if (first && (tokens.length === 1 || !['==', '!=', '<', '<=', '>', '>=', '&', '|', '^', '&&', '||'].includes(tokens[1]!))) {
    reason = first.reason;
    tokens.shift();
  }
  let cond: Node | null = null;
  if (tokens.length) {
    const p = new Parser(tokens);
    cond = p.or();
    if (!p.done()) throw new ExitFilterError(`unexpected '${p.peek()}' in the filter`);
  }
  return (r) => (reason === undefined || r.reason === reason) && (cond === null || !!cond(r));
}
