// Typed values of the expression language: the scope an expression sees, C's conversions
// between typed values and numbers at the scope's width, and the lvalue steps (`*p`, `p[i]`,
// `s.m`) the parser and the built-in functions share.

import { scalarValue, sizeOf, strip, type CType } from '../loader/dwarf';

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/** A value with a C type: an lvalue when it has an address, else its bytes. */
export interface Typed { kind: 'typed'; type: CType; address?: number; bytes?: Uint8Array }

/** What an expression can see. `name` returns undefined for a name that does not apply here. */
export interface ExpressionScope {
  name(id: string): number | bigint | string | undefined;
  /** 64: values and operators are unsigned 64-bit (long mode); otherwise 32-bit. */
  width?: 32 | 64;
  /** Reads `size` bytes little-endian at a linear address; null when unmapped. */
  read(addr: number, size: 1 | 2 | 4): number | null;
  /** A variable (from DWARF) by name, typed. */
  variable?(id: string): Typed | undefined;
  /** A type of the program by its C spelling ("int", "struct point", a typedef). */
  typeNamed?(name: string): CType | undefined;
  readBytes?(addr: number, length: number): Uint8Array | null;
  /**
   * What a per-CPU variable's address is offset by: this CPU's (null: the one stopped, from its
   * GS base) or CPU n's (the kernel's __per_cpu_offset[n]). Undefined when the guest has none.
   */
  perCpuOffset?(cpu: number | null): number | undefined;
  /** The task a CPU runs (null: the one stopped), as Linux's `current`: a typed `struct task_struct *`. */
  currentTask?(cpu: number | null): Typed | undefined;
}

export type Value = number | bigint | string | Typed;

export const M64 = (1n << 64n) - 1n;

export const wide = (s: ExpressionScope): boolean => s.width === 64;

/** A value as an unsigned 64-bit BigInt: 8-byte typed values exactly, others zero- or sign-extended as C converts them. */
export function bigOf(v: Value, what: string, s: ExpressionScope): bigint {
  if (typeof v === 'bigint') return v & M64;
  if (typeof v === 'number') return BigInt.asUintN(64, BigInt(Math.trunc(v)));
  if (typeof v === 'string') throw new ExpressionError(`${what} needs a number, got the string "${v}"`);
  const t = strip(v.type);
  if (t.kind === 'array' || t.kind === 'function') {
    if (v.address === undefined) throw new ExpressionError('an array that is not in memory has no address');
    return BigInt.asUintN(64, BigInt(v.address));
  }
  if (t.kind === 'struct' || t.kind === 'union') throw new ExpressionError(`${what} needs a number, not a ${t.kind}`);
  const bytes = bytesOf(v, s);
  const size = Math.min(8, sizeOf(v.type) || bytes.length);
  if (t.kind === 'base' && (t.encoding === 4 /* float */)) {
    const n = scalarValue(v.type, bytes);
    if (n === null) throw new ExpressionError(`${what} needs a scalar value`);
    return BigInt.asUintN(64, BigInt(Math.trunc(n)));
  }
  let x = 0n;
  for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] ?? 0);
  const signed = (t.kind === 'base' && (t.encoding === 5 || t.encoding === 6 || t.encoding === 13)) || (t.kind === 'enum' && t.signed);
  return signed ? BigInt.asUintN(64, BigInt.asIntN(size * 8, x)) : x;
}

/** An address from a value at the scope's width: numbers as the DWARF reader keeps them (64-bit ones signed). */
export function addressOf(v: Value, what: string, s: ExpressionScope): number {
  return wide(s) ? Number(BigInt.asIntN(64, bigOf(v, what, s))) : numOf(v, what, s) >>> 0;
}

/** base + off as an address of the scope's width. */
export function offsetAddress(s: ExpressionScope, base: number, off: number): number {
  return wide(s) ? Number(BigInt.asIntN(64, BigInt(base) + BigInt(off))) : (base + off) >>> 0;
}

export const pointerSize = (s: ExpressionScope): number => (wide(s) ? 8 : 4);

export function bytesOf(t: Typed, s: ExpressionScope): Uint8Array {
  if (t.bytes) return t.bytes;
  const size = sizeOf(t.type);
  const b = t.address !== undefined && size > 0 ? s.readBytes?.(t.address, size) ?? null : null;
  if (!b) throw new ExpressionError(`memory at 0x${(t.address ?? 0).toString(16)} is not readable`);
  return b;
}

/** A number from any value: scalars by value, arrays decay to their address (C's rule). */
export function numOf(v: Value, what: string, s?: ExpressionScope): number {
  if (typeof v === 'number') return v;
  // A 64-bit value in a 32-bit computation keeps its low 32 bits, as C's conversion does.
  if (typeof v === 'bigint') return Number(v & 0xffffffffn);
  if (typeof v === 'string') throw new ExpressionError(`${what} needs a number, got the string "${v}"`);
  const t = strip(v.type);
  if (t.kind === 'array' || t.kind === 'function') {
    if (v.address === undefined) throw new ExpressionError('an array that is not in memory has no address');
    return v.address >>> 0;
  }
  if (t.kind === 'struct' || t.kind === 'union') throw new ExpressionError(`${what} needs a number, not a ${t.kind}`);
  if (!s) throw new ExpressionError(`${what} needs a number`);
  const n = scalarValue(v.type, bytesOf(v, s));
  if (n === null) throw new ExpressionError(`${what} needs a scalar value`);
  return Math.trunc(n) >>> 0;
}

export function intBytes(v: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0, x = BigInt.asUintN(size * 8, BigInt(Math.trunc(v))); i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

/** The pointee size when v is a typed pointer (for scaled arithmetic), else 0. */
export function pointeeSize(v: Value): number {
  if (typeof v !== 'object') return 0;
  const t = strip(v.type);
  if (t.kind === 'pointer') return Math.max(1, sizeOf(t.target));
  if (t.kind === 'array') return Math.max(1, sizeOf(t.element));
  return 0;
}

export function pointerTo(t: CType, size = 4): CType { return { kind: 'pointer', size, target: t }; }

/** The element or pointee type and address for `v[i]` / `*v`. */
export function elementOf(v: Value, index: number, s: ExpressionScope, what: string): Typed {
  if (typeof v !== 'object') throw new ExpressionError(`${what} needs a pointer or an array with a type (use [address] to read memory)`);
  const t = strip(v.type);
  if (t.kind === 'array') {
    if (v.address === undefined) throw new ExpressionError('the array is not in memory');
    // `a[i]` of an `int a[2][3]` is an `int [3]`: the array less its first dimension.
    if (t.counts.length > 1) {
      const rest = t.counts.slice(1);
      const sub: CType = { kind: 'array', element: t.element, counts: rest, size: rest.reduce<number>((n, c) => n * (c ?? 0), sizeOf(t.element)) };
      return { kind: 'typed', type: sub, address: offsetAddress(s, v.address, index * sizeOf(sub)) };
    }
    return { kind: 'typed', type: t.element, address: offsetAddress(s, v.address, index * sizeOf(t.element)) };
  }
  if (t.kind === 'pointer') {
    const p = t.size === 8 ? Number(BigInt.asIntN(64, bigOf(v, what, s))) : numOf(v, what, s);
    if (strip(t.target).kind === 'void') throw new ExpressionError(`cannot ${what} a void pointer: cast it first`);
    return { kind: 'typed', type: t.target, address: offsetAddress(s, p, index * sizeOf(t.target)) };
  }
  throw new ExpressionError(`${what} needs a pointer or an array, not ${t.kind}`);
}

export function memberOf(v: Value, name: string, arrow: boolean, s: ExpressionScope): Typed {
  let base: Value = v;
  if (arrow) base = elementOf(v, 0, s, 'dereference');
  if (typeof base !== 'object') throw new ExpressionError(`'${arrow ? '->' : '.'}${name}' needs a struct or union`);
  const t = strip(base.type);
  if (t.kind === 'pointer' && !arrow) throw new ExpressionError(`'.${name}' on a pointer: use '->${name}'`);
  if (t.kind !== 'struct' && t.kind !== 'union') throw new ExpressionError(`'${arrow ? '->' : '.'}${name}' needs a struct or union, not ${t.kind}`);
  const m = findMember(t, name);
  if (!m) throw new ExpressionError(`${t.kind} ${t.name || '<anonymous>'} has no member '${name}' (members: ${t.members.map((x) => x.name || '<anonymous>').join(', ')})`);
  // A bitfield has no address of its own: its value, taken from the bytes that hold it.
  if (m.bitSize !== undefined && m.bitOffset !== undefined) {
    const whole = base.address !== undefined ? s.readBytes?.(offsetAddress(s, base.address, m.bitOffset >> 3), ((m.bitOffset & 7) + m.bitSize + 7) >> 3) : null;
    const held = whole ? { bytes: whole, shift: (m.bitOffset >> 3) * 8 } : { bytes: bytesOf(base, s), shift: 0 };
    if (base.address !== undefined && !whole) throw new ExpressionError(`memory at 0x${base.address.toString(16)} is not readable`);
    return { kind: 'typed', type: m.type, bytes: bitfieldValue(m.type, held.bytes, m.bitOffset - held.shift, m.bitSize) };
  }
  if (base.address !== undefined) return { kind: 'typed', type: m.type, address: offsetAddress(s, base.address, m.offset) };
  const b = bytesOf(base, s);
  return { kind: 'typed', type: m.type, bytes: b.subarray(m.offset, m.offset + sizeOf(m.type)) };
}

export function bigBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0, x = BigInt.asUintN(size * 8, v); i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

/** A member by name, looking into anonymous structs and unions as C does. */
export function findMember(t: Extract<CType, { kind: 'struct' | 'union' }>, name: string): { offset: number; type: CType; bitSize?: number; bitOffset?: number } | null {
  for (const m of t.members) {
    if (m.name === name) return m;
    const inner = strip(m.type);
    if (!m.name && (inner.kind === 'struct' || inner.kind === 'union')) {
      const f = findMember(inner, name);
      if (f) return { ...f, offset: m.offset + f.offset, ...(f.bitOffset !== undefined ? { bitOffset: m.offset * 8 + f.bitOffset } : {}) };
    }
  }
  return null;
}

/** A bitfield's value (bitOffset from the start of the struct's bytes) as bytes of its declared type, sign-extended for a signed one. */
function bitfieldValue(type: CType, struct: Uint8Array, bitOffset: number, bitSize: number): Uint8Array {
  const first = bitOffset >> 3, last = (bitOffset + bitSize - 1) >> 3;
  let x = 0n;
  for (let i = last; i >= first; i--) x = (x << 8n) | BigInt(struct[i] ?? 0);
  x = (x >> BigInt(bitOffset & 7)) & ((1n << BigInt(bitSize)) - 1n);
  const t = strip(type);
  const signed = (t.kind === 'base' && (t.encoding === 5 || t.encoding === 6 || t.encoding === 13)) || (t.kind === 'enum' && t.signed);
  if (signed) x = BigInt.asIntN(bitSize, x);
  return bigBytes(x, Math.max(1, sizeOf(type)));
}
