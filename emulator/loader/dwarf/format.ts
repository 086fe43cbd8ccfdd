// C-like display of values for the debugger's variables view, in gdb's style: integers in
// decimal, chars as `97 'a'`, pointers as 0x..., structs as {a = 1, b = 2}, arrays as {1, 2},
// enums by enumerator name (or the number when none matches).

import { ATE } from './constants';
import { isSignedEncoding, sizeOf, strip, typeName } from './types';
import type { CType } from './types';

export interface FormatOptions {
  /** Longest array shown before "..." (gdb's default is 200). */
  maxElements?: number;
  /** Reads guest memory, to show the string a char pointer points at. */
  readMemory?: (address: number, length: number) => Uint8Array | null;
  hex?: boolean;
  /** Prefix a top-level pointer with its type, as gdb's print does: `(struct point *) 0x1000`. */
  typePrefix?: boolean;
  /** Names a code address (`add`, `add+4`) for function pointers. */
  symbolAt?: (address: number) => string | undefined;
  /** Bytes of the value that were optimized out (1 = missing): those scalars print as <optimized out>. */
  unavailable?: Uint8Array;
}

/** Runs of more than this many equal elements print as `x <repeats n times>` (gdb's default). */
const REPEAT_THRESHOLD = 10;

function uint(bytes: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = Math.min(size, bytes.length - off) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]!);
  return v;
}

function toSigned(v: bigint, size: number): bigint {
  const bits = BigInt(size * 8);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}

function charText(code: number): string {
  const esc: Record<number, string> = { 0: '\\000', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (esc[code] !== undefined) return esc[code]!;
  if (code >= 32 && code < 127) return String.fromCharCode(code);
  return '\\' + (code & 0xff).toString(8).padStart(3, '0');
}

function stringText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b === 34 ? '\\"' : b === 39 ? "'" : charText(b);
  return `"${s}"`;
}

function isCharType(t: CType): boolean {
  const s = strip(t);
  return s.kind === 'base' && s.size === 1 && (s.encoding === ATE.signed_char || s.encoding === ATE.unsigned_char);
}

function hexOf(v: bigint): string { return '0x' + v.toString(16); }

/** The scalar value of bytes as a number (for conditions and pointer arithmetic); null for aggregates. */
export function scalarValue(type: CType, bytes: Uint8Array): number | null {
  const t = strip(type);
  if (t.kind === 'base') {
    if (t.encoding === ATE.float) return t.size === 4 ? new DataView(bytes.buffer, bytes.byteOffset).getFloat32(0, true) : t.size === 8 ? new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true) : null;
    const v = uint(bytes, 0, t.size);
    return Number(isSignedEncoding(t.encoding) ? toSigned(v, t.size) : v);
  }
  if (t.kind === 'pointer') return pointerAddress(uint(bytes, 0, t.size), t.size);
  if (t.kind === 'enum') { const v = uint(bytes, 0, t.size); return Number(t.signed ? toSigned(v, t.size) : v); }
  return null;
}

/** Upper bound on values formatted for one call, so a pathological type cannot make huge text. */
const NODE_BUDGET = 20_000;

export function formatValue(type: CType, bytes: Uint8Array, opts: FormatOptions = {}): string {
  const text = fmt(type, bytes, 0, { ...opts, budget: { left: NODE_BUDGET } }, 0);
  const t = strip(type);
  // gdb leaves the prefix off char pointers, whose string says enough.
  if (opts.typePrefix && t.kind === 'pointer' && !isCharType(t.target)) return `(${typeName(type)}) ${text}`;
  return text;
}

/** C's %.<p>g: gdb prints floats with 9 and doubles with 17 significant digits. */
function gFormat(v: number, precision: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan(0x8000000000000)' : v < 0 ? '-inf' : 'inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    let [m, e] = v.toExponential(precision - 1).split('e') as [string, string];
    if (m.includes('.')) m = m.replace(/\.?0+$/, '');
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  let t = v.toFixed(Math.max(0, precision - 1 - exp));
  if (t.includes('.')) t = t.replace(/\.?0+$/, '');
  return t;
}

interface Ctx extends FormatOptions { budget: { left: number } }

function fmt(type: CType, bytes: Uint8Array, off: number, opts: Ctx, depth: number): string {
  if (depth > 16 || --opts.budget.left < 0) return '...';
  const t = strip(type);
  const size = sizeOf(t);
  if (size > 0 && off + size > bytes.length) return '<unavailable>';
  if (opts.unavailable && t.kind !== 'struct' && t.kind !== 'union' && t.kind !== 'array' && missingIn(opts.unavailable, off, Math.max(1, size))) return '<optimized out>';
  switch (t.kind) {
    case 'void': return 'void';
    case 'function': return '{function}';
    case 'base': {
      if (t.encoding === ATE.float) {
        const dv = new DataView(bytes.buffer, bytes.byteOffset + off);
        if (t.size === 4) return gFormat(dv.getFloat32(0, true), 9);
        if (t.size === 8) return gFormat(dv.getFloat64(0, true), 17);
        return `<${t.size}-byte float>`;
      }
      if (t.size === 0 || t.size > 16) return `<${t.size}-byte ${t.name}>`;
      const raw = uint(bytes, off, t.size);
      if (t.encoding === ATE.boolean) return raw === 0n ? 'false' : raw === 1n ? 'true' : String(raw);
      const v = isSignedEncoding(t.encoding) ? toSigned(raw, t.size) : raw;
      if (opts.hex) return hexOf(raw);
      if (isCharType(t)) return `${v} '${charText(Number(raw))}'`;
      return String(v);
    }
    case 'pointer': {
      const v = uint(bytes, off, t.size);
      const target = strip(t.target);
      if (target.kind === 'function') {
        const sym = v !== 0n ? opts.symbolAt?.(pointerAddress(v, t.size)) : undefined;
        return sym ? `${hexOf(v)} <${sym}>` : hexOf(v);
      }
      if (isCharType(t.target) && opts.readMemory && v !== 0n) {
        const s = readCString(opts.readMemory, pointerAddress(v, t.size), 200);
        if (s !== null) return `${hexOf(v)} ${s}`;
      }
      return hexOf(v);
    }
    case 'enum': {
      const raw = uint(bytes, off, t.size);
      const v = Number(t.signed ? toSigned(raw, t.size) : raw);
      const e = t.enumerators.find((x) => x.value === v || (x.value >>> 0) === (v >>> 0));
      return e ? e.name : String(v);
    }
    case 'array': {
      const esize = sizeOf(t.element);
      const counts = t.counts;
      return fmtArray(t.element, esize, counts, bytes, off, opts, depth);
    }
    case 'struct': case 'union': {
      if (t.declaration && t.members.length === 0) return '<incomplete type>';
      const parts: string[] = [];
      for (const m of t.members) {
        let text: string;
        if (m.bitSize !== undefined && m.bitOffset !== undefined) {
          text = opts.unavailable && missingIn(opts.unavailable, off + (m.bitOffset >> 3), ((m.bitOffset & 7) + m.bitSize + 7) >> 3)
            ? '<optimized out>' : fmtBitfield(m.type, bytes, off, m.bitOffset, m.bitSize);
        }
        else text = fmt(m.type, bytes, off + m.offset, opts, depth + 1);
        parts.push(m.name ? `${m.name} = ${text}` : text);
      }
      return `{${parts.join(', ')}}`;
    }
    default: return '?';
  }
}

function missingIn(mask: Uint8Array, off: number, n: number): boolean {
  for (let i = off; i < off + n && i < mask.length; i++) if (mask[i]) return true;
  return false;
}

function fmtArray(element: CType, esize: number, counts: Array<number | null>, bytes: Uint8Array, off: number, opts: Ctx, depth: number): string {
  const n = counts[0];
  if (depth > 16 || opts.budget.left <= 0) return '...';
  if (n === null || n === undefined) return '{...}';
  const rest = counts.slice(1);
  const stride = rest.reduce<number>((a, b) => a * (b ?? 0), 1) * esize;
  const max = opts.maxElements ?? 200;
  if (rest.length === 0 && isCharType(element) && !(opts.unavailable && missingIn(opts.unavailable, off, n))) return charArrayText(bytes.subarray(off, Math.min(off + n, bytes.length)), max);
  const items: string[] = [];
  for (let i = 0; i < n && i < max; i++) {
    items.push(rest.length ? fmtArray(element, esize, rest, bytes, off + i * stride, opts, depth + 1) : fmt(element, bytes, off + i * esize, opts, depth + 1));
  }
  const parts: string[] = [];
  for (let i = 0; i < items.length;) {
    let j = i + 1;
    while (j < items.length && items[j] === items[i]) j++;
    if (j - i > REPEAT_THRESHOLD) parts.push(`${items[i]} <repeats ${j - i} times>`);
    else for (let k = i; k < j; k++) parts.push(items[k]!);
    i = j;
  }
  if (n > max) parts.push('...');
  return `{${parts.join(', ')}}`;
}

/**
 * A char array the way gdb prints one: the whole array as a string, less one trailing NUL,
 * with runs of more than ten equal characters as `'c' <repeats n times>`.
 */
function charArrayText(b: Uint8Array, max: number): string {
  let len = b.length;
  if (len > 0 && b[len - 1] === 0) len--;
  const limit = Math.min(len, max);
  if (limit === 0) return '""';
  const parts: string[] = [];
  let run = '';
  for (let i = 0; i < limit;) {
    let j = i + 1;
    while (j < limit && b[j] === b[i]) j++;
    if (j - i > REPEAT_THRESHOLD) {
      if (run) { parts.push(`"${run}"`); run = ''; }
      parts.push(`'${charText(b[i]!)}' <repeats ${j - i} times>`);
    } else {
      for (let k = i; k < j; k++) run += b[k] === 34 ? '\\"' : b[k] === 39 ? "'" : charText(b[k]!);
    }
    i = j;
  }
  if (run) parts.push(`"${run}"`);
  return parts.join(', ') + (len > max ? '...' : '');
}

function fmtBitfield(type: CType, bytes: Uint8Array, off: number, bitOffset: number, bitSize: number): string {
  let v = 0n;
  for (let i = 0; i < bitSize; i++) {
    const bit = bitOffset + i;
    const byte = bytes[off + (bit >> 3)] ?? 0;
    if ((byte >> (bit & 7)) & 1) v |= 1n << BigInt(i);
  }
  const t = strip(type);
  const signed = (t.kind === 'base' && isSignedEncoding(t.encoding)) || (t.kind === 'enum' && t.signed);
  if (signed && bitSize > 0 && v >= 1n << BigInt(bitSize - 1)) v -= 1n << BigInt(bitSize);
  if (t.kind === 'enum') { const e = t.enumerators.find((x) => BigInt(x.value) === v); if (e) return e.name; }
  if (t.kind === 'base' && t.encoding === ATE.boolean) return v === 0n ? 'false' : 'true';
  return String(v);
}

/** A pointer's value as the DWARF reader represents addresses: 8-byte ones signed (arch.ts). */
function pointerAddress(v: bigint, size: number): number {
  return size === 8 ? Number(BigInt.asIntN(64, v)) : Number(v);
}

function readCString(read: (a: number, n: number) => Uint8Array | null, addr: number, max: number): string | null {
  const out: number[] = [];
  for (let a = addr; out.length < max; a += 16) {
    // 32-bit addresses wrap at 4 GiB; 64-bit ones are signed and never reach it.
    const at = addr >= 0 && addr <= 0xffffffff ? a >>> 0 : a;
    const chunk = read(at, 16) ?? read(at, 1);
    if (!chunk || chunk.length === 0) return out.length ? stringText(Uint8Array.from(out)) + '...' : null;
    for (const b of chunk) { if (b === 0) return stringText(Uint8Array.from(out)); out.push(b); if (out.length >= max) break; }
  }
  return stringText(Uint8Array.from(out)) + '...';
}
