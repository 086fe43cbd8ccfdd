// Reading a kernel's structures by their C names through the debug information, for the
// Linux views: a struct at an address, its members by name (through anonymous structs and
// unions, as C reads them), integers of any size, bitfields, pointers and char arrays. The
// guest is untrusted: every read is bounds-checked and a missing member or unmapped page is a
// KernelDataError naming what was being read, never a wrong number.

import { sizeOf, strip, type CType, type Member } from '../../emulator/loader/dwarf';
import { memberOffset } from '../../emulator/expression';

export class KernelDataError extends Error { override name = 'KernelDataError'; }

export type ReadMemory = (addr: number, len: number) => Uint8Array | null;

/** An address plus a byte offset, as the signed 64-bit numbers addresses are kept in. */
export const addAddress = (a: number, d: number | bigint): number => Number(BigInt.asIntN(64, BigInt(a) + BigInt(d)));

/** Little-endian unsigned integer of 1-8 bytes. */
export function uintAt(b: Uint8Array, off: number, size: number): bigint {
  let x = 0n;
  for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[off + i] ?? 0);
  return x;
}

/** One struct (or union) value in guest memory. */
export class KStruct {
  constructor(readonly type: CType, readonly address: number, private readonly read: ReadMemory, readonly what: string) {
    const t = strip(type);
    if (t.kind !== 'struct' && t.kind !== 'union') throw new KernelDataError(`${what}: ${typeDescription(type)} is not a struct`);
  }

  private bytes(off: number, n: number, what: string): Uint8Array {
    const b = this.read(addAddress(this.address, off), n);
    if (!b || b.length < n) throw new KernelDataError(`${this.what}.${what}: memory at 0x${BigInt.asUintN(64, BigInt(addAddress(this.address, off))).toString(16)} is not mapped`);
    return b;
  }

  /** Whether the struct has a member at this path (`a.b`). */
  has(path: string): boolean {
    try { memberOffset(this.type, path.split('.')); return true; } catch { return false; }
  }

  /** A member's byte offset and type. */
  member(path: string): { offset: number; type: CType } {
    try { return memberOffset(this.type, path.split('.')); } catch (e) { throw new KernelDataError(`${this.what}: ${(e as Error).message}`); }
  }

  /** A struct member as a KStruct. */
  struct(path: string): KStruct {
    const m = this.member(path);
    return new KStruct(m.type, addAddress(this.address, m.offset), this.read, `${this.what}.${path}`);
  }

  /** The address of a member. */
  addressOf(path: string): number { return addAddress(this.address, this.member(path).offset); }

  /** An integer member (unsigned, all its bits); bitfields by their bit position; atomic_t-style wrappers by their one member. */
  uint(path: string): bigint {
    const bf = this.bitfield(path);
    if (bf) {
      const first = bf.bitOffset >> 3, last = (bf.bitOffset + bf.bitSize - 1) >> 3;
      const b = this.bytes(first, last - first + 1, path);
      return (uintAt(b, 0, last - first + 1) >> BigInt(bf.bitOffset & 7)) & ((1n << BigInt(bf.bitSize)) - 1n);
    }
    let m = this.member(path);
    // atomic_t / atomic_long_t / refcount-style wrappers: one scalar member.
    for (let t = strip(m.type); t.kind === 'struct' && t.members.length === 1; t = strip(m.type)) m = { offset: m.offset + t.members[0]!.offset, type: t.members[0]!.type };
    const size = sizeOf(m.type);
    if (size < 1 || size > 8) throw new KernelDataError(`${this.what}.${path} is not an integer (${size} bytes)`);
    return uintAt(this.bytes(m.offset, size, path), 0, size);
  }

  /** An integer member as a JS number (exact below 2^53). */
  num(path: string): number { return Number(this.uint(path)); }

  /** A signed integer member. */
  int(path: string): number {
    const m = this.member(path);
    const size = sizeOf(m.type);
    return Number(BigInt.asIntN(size * 8, this.uint(path)));
  }

  /** A pointer member's value as an address. */
  pointer(path: string): number { return Number(BigInt.asIntN(64, this.uint(path))); }

  /** A char array member as text, up to its first NUL. */
  string(path: string): string {
    const m = this.member(path);
    const b = this.bytes(m.offset, Math.min(sizeOf(m.type), 4096), path);
    const end = b.indexOf(0);
    return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('latin1');
  }

  private bitfield(path: string): { bitOffset: number; bitSize: number } | null {
    const parts = path.split('.');
    const last = parts.pop()!;
    const outer = parts.length ? this.member(parts.join('.')) : { offset: 0, type: this.type };
    const t = strip(outer.type);
    if (t.kind !== 'struct' && t.kind !== 'union') return null;
    const m = findBitfield(t.members, last);
    return m ? { bitOffset: outer.offset * 8 + m.bitOffset, bitSize: m.bitSize } : null;
  }
}

function findBitfield(members: Member[], name: string): { bitOffset: number; bitSize: number } | null {
  for (const m of members) {
    if (m.name === name) return m.bitSize !== undefined && m.bitOffset !== undefined ? { bitOffset: m.bitOffset, bitSize: m.bitSize } : null;
    const inner = strip(m.type);
    if (!m.name && (inner.kind === 'struct' || inner.kind === 'union')) {
      const f = findBitfield(inner.members, name);
      if (f) return { bitOffset: m.offset * 8 + f.bitOffset, bitSize: f.bitSize };
    }
  }
  return null;
}

function typeDescription(t: CType): string {
  const s = strip(t);
  return s.kind === 'struct' || s.kind === 'union' ? `${s.kind} ${s.name}` : s.kind;
}

/** The struct a pointer-typed or struct-typed global stands for (`prb` is a pointer, `init_task` a struct). */
export function pointee(type: CType): CType {
  const t = strip(type);
  return t.kind === 'pointer' ? t.target : type;
}
