// copy_from_guest / copy_to_guest for an HVM container: hypercall pointers are guest-linear
// addresses, walked through the guest's own page tables (2-level, PAE or 4-level, or none
// with paging off) with supervisor rights, setting accessed and dirty bits as Xen's guest
// walk does. An address that does not translate, or lands outside RAM, fails the whole
// access; the hypercall turns that into -EFAULT.

import type { Cpu } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';

const CR0_PG = 0x80000000;

export class GuestFault extends Error {
  constructor(readonly va: number) { super(`guest address 0x${va.toString(16)} is not accessible`); }
}

export class GuestMemory {
  constructor(private readonly cpu: Cpu, private readonly mem: PhysicalMemory) {}

  /** Physical address of linear `va` (the CPU's signed form in long mode), or -1. */
  phys(va: number, write: boolean): number {
    const cpu = this.cpu;
    if (!(cpu.cr0 & CR0_PG)) { const p = va >>> 0; return p < this.mem.ramBytes ? p : -1; }
    const p = cpu.walk(cpu.lma ? va : va | 0, write, false, true);
    return p < 0 || p >= this.mem.ramBytes ? -1 : p;
  }

  /** Each page of [va, va+len) translated first, so a copy happens whole or not at all. */
  private pages(va: number, len: number, write: boolean): number[] {
    const out: number[] = [];
    let at = va;
    let left = len;
    while (left > 0) {
      const p = this.phys(at, write);
      if (p < 0) throw new GuestFault(at);
      const n = Math.min(left, 4096 - (p & 0xfff));
      out.push(p, n);
      at += n; left -= n;
    }
    return out;
  }

  read(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const runs = this.pages(va, len, false);
    let o = 0;
    for (let i = 0; i < runs.length; i += 2) { out.set(this.mem.u8.subarray(runs[i]!, runs[i]! + runs[i + 1]!), o); o += runs[i + 1]!; }
    return out;
  }

  write(va: number, bytes: Uint8Array): void {
    const runs = this.pages(va, bytes.length, true);
    let o = 0;
    for (let i = 0; i < runs.length; i += 2) {
      for (let k = 0; k < runs[i + 1]!; k++) this.mem.store8(runs[i]! + k, bytes[o + k]!);
      o += runs[i + 1]!;
    }
  }

  u16(va: number): number { const b = this.read(va, 2); return b[0]! | (b[1]! << 8); }
  u32(va: number): number { const b = this.read(va, 4); return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0; }
  u64(va: number): bigint { const b = this.read(va, 8); return new DataView(b.buffer).getBigUint64(0, true); }
  set32(va: number, v: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); this.write(va, b); }
  set64(va: number, v: bigint): void { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true); this.write(va, b); }
}
