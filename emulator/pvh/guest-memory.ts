// copy_from_guest / copy_to_guest for an HVM container: hypercall pointers are guest-linear
// addresses, walked through the guest's own page tables (2-level, PAE or 4-level, or none
// with paging off) with supervisor rights, setting accessed and dirty bits as Xen's guest
// walk does. An address that does not translate, or lands outside RAM, fails the whole
// access with GuestFault, which the hypercall turns into -EFAULT. A frame placed above RAM
// with XENMEM_add_to_physmap is reached through the page it shows, as Xen's p2m has it. It is the services'
// GuestMemory (emulator/pv/services.ts), plus whole 64-bit values as bigints.

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { GuestMemory } from '../pv/services';
import { GuestFault } from '../pv/guest-access';

const CR0_PG = 0x80000000;

export class PvhGuestMemory implements GuestMemory {
  /** Guest-physical addresses at or above this are not the guest's (the hypervisor's frames). */
  limit: number;

  constructor(private readonly cpu: Cpu, private readonly mem: PhysicalMemory) { this.limit = mem.ramBytes; }

  /** Physical address of linear `va` (the CPU's signed form in long mode), or -1. */
  phys(va: number, write: boolean): number {
    const cpu = this.cpu;
    let p: number;
    if (!(cpu.cr0 & CR0_PG)) p = va >>> 0;
    else p = cpu.walk(cpu.lma ? va : va | 0, write, false, true);
    if (p < 0) return -1;
    if (p < this.limit) return p;
    // Above the guest's RAM: a frame the guest placed there (add_to_physmap) is in the p2m,
    // and Xen's copy_from_guest follows the p2m to it; anything else is no memory of the guest's.
    const ram = this.mem.frameAt(Math.floor(p / 4096));
    return ram < 0 ? -1 : ram * 4096 + (p % 4096);
  }

  /** Each page's run of [va, va+len), translated first, so a copy happens whole or not at all. */
  private runs(va: number, len: number, write: boolean): number[] {
    const out: number[] = [];
    let at = va, left = len;
    while (left > 0) {
      const p = this.phys(at, write);
      if (p < 0) throw new GuestFault(at);
      const n = Math.min(left, 4096 - (p & 0xfff));
      out.push(p, n);
      at += n; left -= n;
    }
    return out;
  }

  checkReadable(va: number, len: number): void { this.runs(va, len, false); }
  checkWritable(va: number, len: number): void { this.runs(va, len, true); }

  read(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const r = this.runs(va, len, false);
    let o = 0;
    for (let i = 0; i < r.length; i += 2) { out.set(this.mem.u8.subarray(r[i]!, r[i]! + r[i + 1]!), o); o += r[i + 1]!; }
    return out;
  }

  write(va: number, bytes: Uint8Array): void {
    const r = this.runs(va, bytes.length, true);
    let o = 0;
    for (let i = 0; i < r.length; i += 2) {
      for (let k = 0; k < r[i + 1]!; k++) this.mem.store8(r[i]! + k, bytes[o + k]!);
      o += r[i + 1]!;
    }
  }

  private le(va: number, n: number): bigint {
    const b = this.read(va, n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
  private put(va: number, n: number, v: bigint): void {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
    this.write(va, b);
  }

  u8(va: number): number { return this.read(va, 1)[0]!; }
  u16(va: number): number { return Number(this.le(va, 2)); }
  u32(va: number): number { return Number(this.le(va, 4)); }
  u64(va: number): number { return Number(this.le(va, 8)); }
  /** All 64 bits (HVM params carry a type in bits 63:56). */
  u64n(va: number): bigint { return this.le(va, 8); }
  set8(va: number, v: number): void { this.put(va, 1, BigInt(v & 0xff)); }
  set16(va: number, v: number): void { this.put(va, 2, BigInt(v & 0xffff)); }
  set32(va: number, v: number): void { this.put(va, 4, BigInt(v >>> 0)); }
  set64(va: number, v: number): void { this.put(va, 8, BigInt.asUintN(64, BigInt(Math.trunc(v)))); }
  set64n(va: number, v: bigint): void { this.put(va, 8, BigInt.asUintN(64, v)); }
}
