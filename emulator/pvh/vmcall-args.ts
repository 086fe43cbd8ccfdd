// The arguments of a hypercall made by VMCALL, read by the caller's mode as Xen's
// hvm_hypercall does: in 64-bit mode RDI, RSI, RDX, R10, R8, R9 and the number in RAX; in
// 32-bit (or 16-bit) code EBX, ECX, EDX, ESI, EDI, EBP and the number in EAX. The result goes
// to RAX (EAX for a 32-bit caller). The shape is the contract's width-neutral HypercallArgs.

import type { Cpu } from '../cpu';

const REGS64 = [7, 6, 2, 10, 8, 9] as const;   // RDI RSI RDX R10 R8 R9 (encoding numbers)
const REGS32 = [3, 1, 2, 6, 7, 5] as const;    // EBX ECX EDX ESI EDI EBP

export class VmcallArgs {
  readonly width: 32 | 64;
  private readonly regs: readonly number[];

  constructor(private readonly cpu: Cpu) {
    this.width = cpu.long64 ? 64 : 32;
    this.regs = this.width === 64 ? REGS64 : REGS32;
  }

  /** The hypercall number: all of RAX in 64-bit mode (a number above 2^32 is no hypercall). */
  get nr(): number {
    const lo = this.cpu.regs[0]! >>> 0;
    return this.width === 64 && this.cpu.regsHi[0] !== 0 ? -1 : lo;
  }

  lo(i: number): number { return this.cpu.regs[this.regs[i]!]! >>> 0; }
  hi(i: number): number { return this.width === 64 ? this.cpu.regsHi[this.regs[i]!]! >>> 0 : 0; }
  u64(i: number): bigint { return (BigInt(this.hi(i)) << 32n) | BigInt(this.lo(i)); }
  /** A guest-linear address: sign-extended from bit 63 for a 64-bit caller, zero-extended for a 32-bit one. */
  addr(i: number): number { return this.width === 64 ? this.cpu.regsHi[this.regs[i]!]! * 0x100000000 + this.lo(i) : this.lo(i); }

  setResult(value: number | bigint): void {
    const v = BigInt.asUintN(64, BigInt(value));
    this.cpu.regs[0] = Number(v & 0xffffffffn) | 0;
    // Xen writes a 32-bit caller's result to EAX alone (the low half of its saved RAX).
    if (this.width === 64) this.cpu.regsHi[0] = Number(v >> 32n) | 0;
  }
}
