// copy_from_guest / copy_to_guest: the hypervisor reads and writes hypercall arguments through
// the guest's own page tables with the guest kernel's rights (supervisor, CR0.WP honoured).
// Any address that is unmapped, read-only for a write, or inside the hypervisor's hole fails
// the whole access, which the hypercall turns into -EFAULT. Nothing here allocates per byte.
// Addresses are the CPU's numbers for them: 32-bit ones unsigned, a 64-bit guest's the
// canonical address as a signed number (HypercallArgs.addr), so `va + n` stays exact.

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import { HYPERVISOR_VIRT_START } from './abi';

export class GuestFault extends Error {
  constructor(readonly va: number) { super(`guest address ${hexAddress(va)} is not accessible`); }
}

/** Xen's own part of a 64-bit guest's address space (HYPERVISOR_VIRT_START..END, L4 slots 256-271), as signed numbers. */
export const HV64_START = -(2 ** 47), HV64_END = -(2 ** 47) + 2 ** 43;
const CANONICAL = 2 ** 47;

export class GuestAccess {
  /** The guest's width decides how an address number reads (set by the domain builder). */
  width: 32 | 64 = 32;

  constructor(private readonly cpu: Cpu, private readonly mem: PhysicalMemory) {}

  /** An address number as this guest's: a 32-bit one wraps, a 64-bit one stays as it is. */
  norm(va: number): number { return this.width === 64 ? va : va >>> 0; }

  /** Whether `va` (normalised) is somewhere a hypercall may point: Xen's __addr_ok. */
  addressOk(va: number): boolean { return this.addrOk(this.norm(va)); }

  private addrOk(va: number): boolean {
    if (this.width === 32) return va < HYPERVISOR_VIRT_START;
    return Number.isInteger(va) && va >= -CANONICAL && va < CANONICAL && !(va >= HV64_START && va < HV64_END);
  }

  /** Physical address of `va` for an access of the guest kernel, or -1. */
  phys(va: number, write: boolean): number {
    va = this.norm(va);
    if (!this.addrOk(va)) return -1;
    const cpu = this.cpu;
    if (!(cpu.cr0 & 0x80000000)) return va >>> 0;
    const p = cpu.walk(this.width === 64 ? va : va | 0, write, false, true);
    if (p < 0 || p >= this.mem.ramBytes) return -1;
    return p >>> 0;
  }

  private range(va: number, len: number): void {
    va = this.norm(va);
    if (len < 0 || !this.addrOk(va) || (len > 0 && !this.addrOk(va + len - 1))) throw new GuestFault(va);
  }

  u8(va: number): number { const p = this.phys(va, false); if (p < 0) throw new GuestFault(va); return this.mem.u8[p]; }

  u16(va: number): number { return this.u8(va) | (this.u8(va + 1) << 8); }

  u32(va: number): number {
    va = this.norm(va);
    if ((va & 0xfff) <= 0xffc) {
      const p = this.phys(va, false);
      if (p < 0) throw new GuestFault(va);
      const m = this.mem.u8;
      return (m[p] | (m[p + 1] << 8) | (m[p + 2] << 16) | (m[p + 3] << 24)) >>> 0;
    }
    return (this.u16(va) | (this.u16(va + 2) << 16)) >>> 0;
  }

  /** A 64-bit little-endian value as a JS number (exact below 2^53; PTEs and times fit). */
  u64(va: number): number { return this.u32(va) + this.u32(va + 4) * 0x100000000; }

  /**
   * The physical address of [va, va + len) when it lies in one page the kernel may access,
   * else -1 (the caller then goes byte by byte and fails the way a copy would). One walk for
   * a whole trap frame: bounces and irets are the hot path of every event.
   */
  physSpan(va: number, len: number, write: boolean): number {
    va = this.norm(va);
    if ((va & 0xfff) + len > 0x1000 || !this.addrOk(va)) return -1;
    const p = this.phys(va, write);
    return p >= 0 && p + len <= this.mem.ramBytes ? p : -1;
  }

  /** A 64-bit guest word that holds an address (a pointer field of a 64-bit structure), as HypercallArgs.addr reads one. */
  addr64(va: number): number { return (this.u32(va + 4) | 0) * 0x100000000 + this.u32(va); }

  set8(va: number, v: number): void {
    const p = this.phys(va, true);
    if (p < 0) throw new GuestFault(va);
    this.mem.write(p, 1, v & 0xff);
  }

  set16(va: number, v: number): void { this.set8(va, v); this.set8(va + 1, v >>> 8); }

  set32(va: number, v: number): void {
    va = this.norm(va);
    if ((va & 0xfff) <= 0xffc) {
      const p = this.phys(va, true);
      if (p < 0) throw new GuestFault(va);
      this.mem.write(p, 4, v | 0);
      return;
    }
    this.set16(va, v); this.set16(va + 2, v >>> 16);
  }

  /** A signed or unsigned integer (below 2^53 in magnitude) as a 64-bit two's-complement word. */
  set64(va: number, v: number): void { this.set32(va, v >>> 0); this.set32(va + 4, Math.floor(v / 0x100000000)); }

  /** Checks a whole range first so a write either happens completely or not at all. */
  checkWritable(va: number, len: number): void { this.check(va, len, true); }

  checkReadable(va: number, len: number): void { this.check(va, len, false); }

  private check(va: number, len: number, write: boolean): void {
    this.range(va, len);
    va = this.norm(va);
    // Page by page; `a - (a mod 4096)` keeps a 64-bit address exact where `& ~0xfff` would not.
    for (let a = va; a < va + len; a = a - (a & 0xfff) + 0x1000) {
      if (this.phys(a, write) < 0) throw new GuestFault(a);
    }
  }

  read(va: number, len: number): Uint8Array {
    this.checkReadable(va, len);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.u8(va + i);
    return out;
  }

  write(va: number, bytes: Uint8Array): void {
    this.checkWritable(va, bytes.length);
    for (let i = 0; i < bytes.length; i++) this.set8(va + i, bytes[i]);
  }
}

function hexAddress(va: number): string {
  if (va >= 0 && va < 0x100000000) return `0x${va.toString(16)}`;
  return `0x${BigInt.asUintN(64, BigInt(Math.trunc(va))).toString(16)}`;
}
