// Hypercall arguments without a width: the dispatcher and every handler read them through
// this one interface, so a handler is written once for 32-bit PV (EBX, ECX, EDX, ESI, EDI,
// EBP), 64-bit PV (RDI, RSI, RDX, R10, R8, R9) and PVH's VMCALL (either, by the caller's
// mode). A pointer is always `addr(i)`: in a 64-bit guest its high half matters, and a
// handler that took `lo(i)` alone would reach the wrong page.

import type { Cpu } from '../cpu';

export interface HypercallArgs {
  readonly width: 32 | 64;
  /** Low 32 bits of argument i (0..5), unsigned. */
  lo(i: number): number;
  /** High 32 bits of argument i, unsigned; 0 for width 32. */
  hi(i: number): number;
  /**
   * Argument i as a guest linear address, the CPU's JS number for it: for width 64 the
   * canonical address read as a signed number (0xffffffff80000000 is -0x80000000), for
   * width 32 the 32-bit address, unsigned (no sign extension: it is not a 64-bit address).
   */
  addr(i: number): number;
  /** All 64 bits of argument i (for width 32, the 32-bit value zero-extended). */
  u64(i: number): bigint;
  /** The hypercall's result into EAX / RAX: a number is a signed integer (a -errno or a count). */
  setResult(value: number | bigint): void;
}

/** Argument registers by index, in the registers' encoding numbers. */
export const ARG_REGS_32 = [3, 1, 2, 6, 7, 5] as const;   // EBX, ECX, EDX, ESI, EDI, EBP
export const ARG_REGS_64 = [7, 6, 2, 10, 8, 9] as const;  // RDI, RSI, RDX, R10, R8, R9

const TWO32 = 0x100000000;

/** The address a 64-bit value's halves make, as a signed JS number (exact for canonical addresses). */
export function joinAddress(lo: number, hi: number): number {
  return (hi | 0) * TWO32 + (lo >>> 0);
}

/** Splits a signed (or unsigned, below 2^53) integer into its two's-complement 32-bit halves. */
export function splitValue(v: number): [lo: number, hi: number] {
  return [v | 0, Math.floor(v / TWO32) | 0];
}

/** The arguments in the vCPU's registers, read when asked (a handler may rewrite them for a continuation). */
export class RegisterArgs implements HypercallArgs {
  private readonly map: readonly number[];

  constructor(private readonly cpu: Cpu, readonly width: 32 | 64) {
    this.map = width === 64 ? ARG_REGS_64 : ARG_REGS_32;
  }

  lo(i: number): number { return this.cpu.regs[this.map[i]] >>> 0; }
  hi(i: number): number { return this.width === 64 ? this.cpu.regsHi[this.map[i]] >>> 0 : 0; }
  addr(i: number): number {
    const r = this.map[i];
    return this.width === 64 ? joinAddress(this.cpu.regs[r], this.cpu.regsHi[r]) : this.cpu.regs[r] >>> 0;
  }
  u64(i: number): bigint { return (BigInt(this.hi(i)) << 32n) | BigInt(this.lo(i)); }

  setResult(value: number | bigint): void {
    const cpu = this.cpu;
    if (typeof value === 'bigint') {
      cpu.regs[0] = Number(BigInt.asIntN(32, value));
      if (this.width === 64) cpu.regsHi[0] = Number(BigInt.asIntN(32, value >> 32n));
      return;
    }
    const [lo, hi] = splitValue(value);
    cpu.regs[0] = lo;
    if (this.width === 64) cpu.regsHi[0] = hi;
  }

  /** Rewrites argument i (a continuation advances its arguments before the guest re-enters). */
  set(i: number, value: number): void {
    const r = this.map[i];
    const [lo, hi] = splitValue(value);
    this.cpu.regs[r] = lo;
    if (this.width === 64) this.cpu.regsHi[r] = hi;
  }
}

/**
 * Arguments held in memory rather than registers: a multicall entry's args[] (xen_ulong_t
 * each: 4 bytes for width 32, 8 for width 64), given as low and high halves.
 */
export class ListArgs implements HypercallArgs {
  result: number | bigint = 0;

  constructor(readonly width: 32 | 64, private readonly los: readonly number[], private readonly his: readonly number[] = []) {}

  lo(i: number): number { return (this.los[i] ?? 0) >>> 0; }
  hi(i: number): number { return this.width === 64 ? (this.his[i] ?? 0) >>> 0 : 0; }
  addr(i: number): number { return this.width === 64 ? joinAddress(this.lo(i), this.hi(i)) : this.lo(i); }
  u64(i: number): bigint { return (BigInt(this.hi(i)) << 32n) | BigInt(this.lo(i)); }
  setResult(value: number | bigint): void { this.result = value; }
}
