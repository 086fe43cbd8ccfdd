// The C type model built from type DIEs. Types are built once per DIE offset and cached, and
// the object is registered before its parts are read, so self-referential structs (a list node
// pointing to itself) make a cycle of objects rather than endless recursion.

import { AT, ATE, FORM, TAG } from './constants';
import type { Die, DieReader } from './debug-info';
import { DwarfError } from './reader';

export interface Member { name: string; offset: number; type: CType; bitSize?: number; bitOffset?: number }
export interface Enumerator { name: string; value: number }

export type CType =
  | { kind: 'void' }
  | { kind: 'base'; name: string; size: number; encoding: number }
  | { kind: 'pointer'; size: number; target: CType; reference?: boolean }
  | { kind: 'array'; element: CType; counts: Array<number | null>; size: number }
  | { kind: 'struct' | 'union'; name: string; size: number; members: Member[]; declaration: boolean }
  | { kind: 'enum'; name: string; size: number; enumerators: Enumerator[]; signed: boolean }
  | { kind: 'typedef'; name: string; target: CType }
  | { kind: 'qualified'; qualifier: 'const' | 'volatile' | 'restrict' | 'atomic'; target: CType }
  | { kind: 'function'; returnType: CType; params: CType[]; variadic: boolean; prototyped: boolean };

export const VOID: CType = { kind: 'void' };

/** gcc names base types the long way; C programmers (and gdb) write them short. */
const C_SPELLING: Record<string, string> = {
  'short int': 'short', 'short unsigned int': 'unsigned short', 'long int': 'long',
  'long unsigned int': 'unsigned long', 'long long int': 'long long', 'long long unsigned int': 'unsigned long long',
};

export class TypeBuilder {
  private cache = new Map<number, CType>();
  constructor(private r: DieReader) {}

  /** The type a DIE's DW_AT_type names (void when absent). */
  typeOf(die: Die): CType {
    const t = this.r.ref(die, AT.type);
    return t ? this.build(t) : VOID;
  }

  build(die: Die): CType {
    const hit = this.cache.get(die.offset);
    if (hit) return hit;
    const r = this.r;
    // A declaration standing for a type kept in a type unit (-fdebug-types-section).
    const sig = r.attr(die, AT.signature) ? r.ref(die, AT.signature) : undefined;
    if (sig && sig !== die) {
      this.cache.set(die.offset, VOID);   // a signature loop ends at void rather than recursing
      const t = this.build(sig);
      this.cache.set(die.offset, t);
      return t;
    }
    const name = r.name(die) ?? '';
    const size = r.num(die, AT.byte_size) ?? 0;
    switch (die.tag) {
      case TAG.base_type: {
        const t: CType = { kind: 'base', name: C_SPELLING[name] ?? name, size, encoding: r.num(die, AT.encoding) ?? ATE.signed };
        this.cache.set(die.offset, t);
        return t;
      }
      case TAG.unspecified_type: { this.cache.set(die.offset, VOID); return VOID; }
      case TAG.pointer_type: case TAG.reference_type: {
        const t = { kind: 'pointer', size: size || die.unit.addrSize, target: VOID } as Extract<CType, { kind: 'pointer' }>;
        if (die.tag === TAG.reference_type) t.reference = true;
        this.cache.set(die.offset, t);
        t.target = this.typeOf(die);
        return t;
      }
      case TAG.typedef: {
        const t = { kind: 'typedef', name, target: VOID } as Extract<CType, { kind: 'typedef' }>;
        this.cache.set(die.offset, t);
        t.target = this.typeOf(die);
        return t;
      }
      case TAG.const_type: case TAG.volatile_type: case TAG.restrict_type: case TAG.atomic_type: {
        const qualifier = die.tag === TAG.const_type ? 'const' : die.tag === TAG.volatile_type ? 'volatile' : die.tag === TAG.restrict_type ? 'restrict' : 'atomic';
        const t = { kind: 'qualified', qualifier, target: VOID } as Extract<CType, { kind: 'qualified' }>;
        this.cache.set(die.offset, t);
        t.target = this.typeOf(die);
        return t;
      }
      case TAG.structure_type: case TAG.union_type: {
        const t = { kind: die.tag === TAG.union_type ? 'union' : 'struct', name, size, members: [], declaration: r.flag(die, AT.declaration) } as Extract<CType, { kind: 'struct' | 'union' }>;
        this.cache.set(die.offset, t);
        for (const m of die.children) {
          if (m.tag !== TAG.member) continue;
          t.members.push(this.member(m, t.kind === 'union'));
        }
        return t;
      }
      case TAG.enumeration_type: {
        const t = { kind: 'enum', name, size: size || 4, enumerators: [], signed: false } as Extract<CType, { kind: 'enum' }>;
        this.cache.set(die.offset, t);
        const base = this.r.ref(die, AT.type);
        if (base) { const bt = strip(this.build(base)); t.signed = bt.kind === 'base' && isSignedEncoding(bt.encoding); }
        for (const e of die.children) {
          if (e.tag !== TAG.enumerator) continue;
          const a = r.attr(e, AT.const_value);
          let v = a && typeof a.value === 'number' ? a.value : 0;
          if (a && (a.form === FORM.data1 || a.form === FORM.data2 || a.form === FORM.data4) && !base) v = r.signed(e, AT.const_value) ?? v;
          if (v < 0) t.signed = true;
          t.enumerators.push({ name: r.name(e) ?? '', value: v });
        }
        return t;
      }
      case TAG.array_type: {
        const t = { kind: 'array', element: VOID, counts: [], size } as Extract<CType, { kind: 'array' }>;
        this.cache.set(die.offset, t);
        t.element = this.typeOf(die);
        for (const s of die.children) {
          if (s.tag !== TAG.subrange_type && s.tag !== TAG.enumeration_type) continue;
          t.counts.push(this.subrangeCount(s));
        }
        if (t.counts.length === 0) t.counts.push(null);
        if (!t.size) {
          const n = t.counts.reduce<number | null>((a, b) => (a === null || b === null ? null : a * b), 1);
          t.size = n === null ? 0 : n * sizeOf(t.element);
        }
        return t;
      }
      case TAG.subroutine_type: case TAG.subprogram: {
        const t = { kind: 'function', returnType: VOID, params: [], variadic: false, prototyped: r.flag(die, AT.prototyped) } as Extract<CType, { kind: 'function' }>;
        this.cache.set(die.offset, t);
        t.returnType = this.typeOf(die);
        for (const p of die.children) {
          if (p.tag === TAG.formal_parameter) t.params.push(this.typeOf(p));
          else if (p.tag === TAG.unspecified_parameters) t.variadic = true;
        }
        return t;
      }
      default: {
        // Anything else used as a type (e.g. a class or string type from another language): opaque bytes.
        const t: CType = { kind: 'base', name: name || `<tag ${die.tag}>`, size, encoding: 0 };
        this.cache.set(die.offset, t);
        return t;
      }
    }
  }

  private subrangeCount(s: Die): number | null {
    const r = this.r;
    const count = r.num(s, AT.count);
    if (count !== undefined && r.attr(s, AT.count)!.form !== FORM.exprloc) return count;
    const ub = r.attr(s, AT.upper_bound);
    if (!ub || typeof ub.value !== 'number' || ub.form === FORM.exprloc || ub.form === FORM.ref4) return null;   // flexible or VLA
    // DW_FORM_data1/2/4 carry no sign: gcc writes u64 idt[256]'s bound 255 as one byte 0xff,
    // which read as signed is -1 (an empty array). Only sdata is signed.
    const upper = ub.form === FORM.sdata ? r.signed(s, AT.upper_bound)! : ub.value;
    const lower = r.signed(s, AT.lower_bound) ?? 0;
    if (upper === 0xffffffff || upper >= 2 ** 63 || upper < lower - 1) return null;   // all ones: unknown (4- or 8-byte forms)
    return upper - lower + 1;
  }

  private member(m: Die, inUnion: boolean): Member {
    const r = this.r;
    const out: Member = { name: r.name(m) ?? '', offset: 0, type: this.typeOf(m) };
    const loc = r.attr(m, AT.data_member_location);
    if (loc) {
      if (typeof loc.value === 'number') out.offset = loc.value;
      else if (loc.value instanceof Uint8Array) out.offset = plusUconst(loc.value);
    } else if (!inUnion && r.has(m, AT.data_bit_offset)) {
      const dbo = r.num(m, AT.data_bit_offset)!;
      out.offset = Math.floor(dbo / 8);
    }
    const bitSize = r.num(m, AT.bit_size);
    if (bitSize !== undefined) {
      out.bitSize = bitSize;
      const dbo = r.num(m, AT.data_bit_offset);
      if (dbo !== undefined) {
        // DWARF 4+: bit offset from the start of the containing struct.
        out.offset = 0;
        out.bitOffset = dbo;
      } else {
        // DWARF 2/3: DW_AT_bit_offset counts from the most significant bit of the storage unit.
        const storage = (r.num(m, AT.byte_size) ?? sizeOf(out.type)) * 8;
        const bo = r.num(m, AT.bit_offset) ?? 0;
        out.bitOffset = out.offset * 8 + storage - bo - bitSize;
        out.offset = 0;
      }
    }
    return out;
  }
}

/** DWARF 2's member locations are `DW_OP_plus_uconst n` expressions. */
function plusUconst(b: Uint8Array): number {
  if (b.length >= 2 && b[0] === 0x23) {
    let v = 0, mul = 1;
    for (let i = 1; i < b.length; i++) { v += (b[i]! & 0x7f) * mul; mul *= 128; if (!(b[i]! & 0x80)) break; }
    return v;
  }
  throw new DwarfError('DW_AT_data_member_location: only DW_OP_plus_uconst expressions are supported');
}

export function isSignedEncoding(e: number): boolean {
  return e === ATE.signed || e === ATE.signed_char;
}

/** A type without typedefs and qualifiers (bounded, so a typedef loop cannot hang). */
export function strip(t: CType): CType {
  for (let i = 0; i < 64 && (t.kind === 'typedef' || t.kind === 'qualified'); i++) t = t.target;
  return t;
}

export function sizeOf(t: CType): number {
  const s = strip(t);
  switch (s.kind) {
    case 'void': case 'function': return 0;
    case 'typedef': case 'qualified': return 0;
    default: return s.size;
  }
}

/** A C declaration of `name` with this type, e.g. `int values[3]`, `int (*op)(int, int)`. */
export function declaration(t: CType, name: string): string {
  return declarator(t, name, 0).trim();
}

/** The C spelling of a type, e.g. `const char *`, `int [3][4]`, `int (*)(int, char *)`. */
export function typeName(t: CType): string {
  return declarator(t, '', 0).trim();
}

function declarator(t: CType, inner: string, depth: number): string {
  if (depth > 32) return `... ${inner}`;
  switch (t.kind) {
    case 'void': return `void${inner ? ' ' + inner : ''}`;
    case 'base': return `${t.name}${inner ? ' ' + inner : ''}`;
    case 'typedef': return `${t.name}${inner ? ' ' + inner : ''}`;
    case 'struct': case 'union': case 'enum': return `${t.kind} ${t.name || '{...}'}${inner ? ' ' + inner : ''}`;
    case 'qualified': {
      if (t.target.kind === 'pointer') {
        // gdb's spelling: `char * const`, `char * const[2]`, `char * const name`.
        const p = t.target;
        const q = `${p.reference ? '&' : '*'} ${t.qualifier}${/^[A-Za-z_]/.test(inner) ? ' ' : ''}${inner}`;
        const needParens = p.target.kind === 'array' || p.target.kind === 'function';
        return declarator(p.target, needParens ? `(${q})` : q, depth + 1);
      }
      // Qualifiers in C's usual order whatever order the DIEs chain them in: `const volatile int`.
      const quals = new Set<string>([t.qualifier]);
      let base: CType = t.target;
      for (let i = 0; i < 8 && base.kind === 'qualified' && base.target.kind !== 'pointer'; i++) { quals.add(base.qualifier); base = base.target; }
      let rest = declarator(base, inner, depth + 1);
      for (const q of ['restrict', 'volatile', 'const', 'atomic'] as const) {
        // gcc marks both a const array and its element const; C spells that once.
        if (quals.has(q) && !rest.startsWith(`${q} `) && !rest.includes(` ${q} `)) rest = `${q === 'atomic' ? '_Atomic' : q} ${rest}`;
      }
      return rest;
    }
    case 'pointer': {
      const needParens = t.target.kind === 'array' || t.target.kind === 'function';
      const star = (t.reference ? '&' : '*') + inner;
      return declarator(t.target, needParens ? `(${star})` : star, depth + 1);
    }
    case 'array': return declarator(t.element, `${inner}${t.counts.map((c) => `[${c ?? ''}]`).join('')}`, depth + 1);
    case 'function': {
      const ps = t.params.map((p) => typeName(p));
      if (t.variadic) ps.push('...');
      if (ps.length === 0 && t.prototyped) ps.push('void');
      return declarator(t.returnType, `${inner}(${ps.join(', ')})`, depth + 1);
    }
  }
}
