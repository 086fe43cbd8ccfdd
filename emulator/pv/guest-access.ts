// copy_from_guest / copy_to_guest: the hypervisor reads and writes hypercall arguments through
// the guest's own page tables with the guest kernel's rights (supervisor, CR0.WP honoured).
// Any address that is unmapped, read-only for a write, or inside the hypervisor's hole fails
// the whole access, which the hypercall turns into -EFAULT. Nothing here allocates per byte.

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import { HYPERVISOR_VIRT_START } from './abi';

export class GuestFault extends Error {
  constructor(readonly va: number) { super(`guest address 0x${(va >>> 0).toString(16)} is not accessible`); }
}

export class GuestAccess {
  constructor(private readonly cpu: Cpu, private readonly mem: PhysicalMemory) {}

  /** Physical address of `va` for an access of the guest kernel, or -1. */
  phys(va: number, write: boolean): number {
    va >>>= 0;
    if (va >= HYPERVISOR_VIRT_START) return -1;
    const cpu = this.cpu;
    if (!(cpu.cr0 & 0x80000000)) return va;
    const p = cpu.walk(va | 0, write, false, true);
    if (p < 0 || p >= this.mem.ramBytes) return -1;
    return p >>> 0;
  }

  private range(va: number, len: number, write: boolean): void {
    if (len < 0 || (va >>> 0) + len > HYPERVISOR_VIRT_START) throw new GuestFault(va);
  }

  u8(va: number): number { const p = this.phys(va, false); if (p < 0) throw new GuestFault(va); return this.mem.u8[p]; }

  u16(va: number): number { return this.u8(va) | (this.u8(va + 1) << 8); }

  u32(va: number): number {
    va >>>= 0;
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

  set8(va: number, v: number): void {
    const p = this.phys(va, true);
    if (p < 0) throw new GuestFault(va);
    this.mem.write(p, 1, v & 0xff);
  }

  set16(va: number, v: number): void { this.set8(va, v); this.set8(va + 1, v >>> 8); }

  set32(va: number, v: number): void {
    va >>>= 0;
    if ((va & 0xfff) <= 0xffc) {
      const p = this.phys(va, true);
      if (p < 0) throw new GuestFault(va);
      this.mem.write(p, 4, v | 0);
      return;
    }
    this.set16(va, v); this.set16(va + 2, v >>> 16);
  }

  set64(va: number, v: number): void { this.set32(va, v >>> 0); this.set32(va + 4, Math.floor(v / 0x100000000)); }

  /** Checks a whole range first so a write either happens completely or not at all. */
  checkWritable(va: number, len: number): void {
    this.range(va, len, true);
    for (let a = va >>> 0; a < (va >>> 0) + len; a = ((a & ~0xfff) + 0x1000) >>> 0) {
      if (this.phys(a, true) < 0) throw new GuestFault(a);
    }
  }

  checkReadable(va: number, len: number): void {
    this.range(va, len, false);
    for (let a = va >>> 0; a < (va >>> 0) + len; a = ((a & ~0xfff) + 0x1000) >>> 0) {
      if (this.phys(a, false) < 0) throw new GuestFault(a);
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
