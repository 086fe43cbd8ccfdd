// C-like display of values for the debugger's variables view, in gdb's style: integers in
// decimal, chars as `97 'a'`, pointers as 0x..., structs as {a = 1, b = 2}, arrays as {1, 2},
// enums by enumerator name (or the number when none matches).

import { ATE } from './constants';
import { isSignedEncoding, sizeOf, strip } from './types';
import type { CType } from './types';

export interface FormatOptions {
  /** Longest array shown before "..." (gdb's default is 200). */
  maxElements?: number;
  /** Reads guest memory, to show the string a char pointer points at. */
  readMemory?: (address: number, length: number) => Uint8Array | null;
  hex?: boolean;
}

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
  if (t.kind === 'pointer') return Number(uint(bytes, 0, t.size));
  if (t.kind === 'enum') { const v = uint(bytes, 0, t.size); return Number(t.signed ? toSigned(v, t.size) : v); }
  return null;
}

export function formatValue(type: CType, bytes: Uint8Array, opts: FormatOptions = {}): string {
  return fmt(type, bytes, 0, opts, 0);
}

function fmt(type: CType, bytes: Uint8Array, off: number, opts: FormatOptions, depth: number): string {
  if (depth > 16) return '{...}';
  const t = strip(type);
  const size = sizeOf(t);
  if (size > 0 && off + size > bytes.length) return '<unavailable>';
  switch (t.kind) {
    case 'void': return 'void';
    case 'function': return '{function}';
    case 'base': {
      if (t.encoding === ATE.float) {
        const dv = new DataView(bytes.buffer, bytes.byteOffset + off);
        if (t.size === 4) return String(dv.getFloat32(0, true));
        if (t.size === 8) return String(dv.getFloat64(0, true));
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
      if (isCharType(t.target) && opts.readMemory && v !== 0n) {
        const s = readCString(opts.readMemory, Number(v), 200);
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
        if (m.bitSize !== undefined && m.bitOffset !== undefined) text = fmtBitfield(m.type, bytes, off, m.bitOffset, m.bitSize);
        else text = fmt(m.type, bytes, off + m.offset, opts, depth + 1);
        parts.push(m.name ? `${m.name} = ${text}` : text);
      }
      return `{${parts.join(', ')}}`;
    }
    default: return '?';
  }
}

function fmtArray(element: CType, esize: number, counts: Array<number | null>, bytes: Uint8Array, off: number, opts: FormatOptions, depth: number): string {
  const n = counts[0];
  if (n === null || n === undefined) return '{...}';
  const rest = counts.slice(1);
  const stride = rest.reduce<number>((a, b) => a * (b ?? 0), 1) * esize;
  if (rest.length === 0 && isCharType(element)) {
    const end = Math.min(off + n, bytes.length);
    let stop = off;
    while (stop < end && bytes[stop] !== 0) stop++;
    // gdb shows a char array as a string when it is NUL-terminated within its bounds.
    if (stop < end) return stringText(bytes.subarray(off, stop));
  }
  const max = opts.maxElements ?? 200;
  const parts: string[] = [];
  for (let i = 0; i < n && i < max; i++) {
    parts.push(rest.length ? fmtArray(element, esize, rest, bytes, off + i * stride, opts, depth + 1) : fmt(element, bytes, off + i * esize, opts, depth + 1));
  }
  if (n > max) parts.push('...');
  return `{${parts.join(', ')}}`;
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

function readCString(read: (a: number, n: number) => Uint8Array | null, addr: number, max: number): string | null {
  const out: number[] = [];
  for (let a = addr; out.length < max; a += 16) {
    const chunk = read(a >>> 0, 16) ?? read(a >>> 0, 1);
    if (!chunk || chunk.length === 0) return out.length ? stringText(Uint8Array.from(out)) + '...' : null;
    for (const b of chunk) { if (b === 0) return stringText(Uint8Array.from(out)); out.push(b); if (out.length >= max) break; }
  }
  return stringText(Uint8Array.from(out)) + '...';
}
