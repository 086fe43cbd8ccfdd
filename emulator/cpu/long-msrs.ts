// The MSRs of long mode (SDM Vol. 4, "Architectural MSRs"): STAR, LSTAR, CSTAR and FMASK for
// SYSCALL/SYSRET, the FS and GS bases (the segment registers' hidden bases, read and written
// through the MSR), KERNEL_GS_BASE for SWAPGS. The bases and LSTAR/CSTAR/KERNEL_GS_BASE hold
// linear addresses: a write of a non-canonical one is #GP(0), as on Intel parts.

import * as K from './constants';
import type { OperandCpu as Cpu } from './operands';
import type { MsrDef } from './handler';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { FS, GS, GP, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, MSR_CSTAR, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_SFMASK, MSR_STAR } = K;

/** A 64-bit linear address is canonical when bits 63:47 are all equal (48-bit linear addresses, no LA57). */
export function canonical(hi: number): boolean {
  return ((hi << 16) >> 16) === (hi | 0);
}

/** The MSRs that hold linear addresses, stored in cpu.msrs like any other (SYSENTER's too, on Intel). */
const ADDRESS_MSRS = [MSR_LSTAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP];

/** Long mode's stored MSRs (zero at reset; FMASK's bits 63:32 are reserved), for the system family's MSR list. */
export const LONG_MSRS: readonly MsrDef[] = [
  { index: MSR_STAR, reset: [0, 0] }, { index: MSR_LSTAR, reset: [0, 0] }, { index: MSR_CSTAR, reset: [0, 0] },
  { index: MSR_SFMASK, reset: [0, 0], reserved: [0, -1] }, { index: MSR_KERNEL_GS_BASE, reset: [0, 0] },
];

/** RDMSR of FS.base/GS.base: the segment caches' bases. Null for every other MSR. */
export function readBaseMsr(cpu: Cpu, msr: number): [number, number] | null {
  if (msr === MSR_FS_BASE) return [cpu.segBase[FS] | 0, cpu.segBaseHi[FS] | 0];
  if (msr === MSR_GS_BASE) return [cpu.segBase[GS] | 0, cpu.segBaseHi[GS] | 0];
  return null;
}

/**
 * WRMSR of a long-mode MSR: true when it was one (and is written), false for any other MSR.
 * Raises #GP(0) for a non-canonical address.
 */
export function writeLongMsr(cpu: Cpu, msr: number, lo: number, hi: number): boolean {
  if (msr === MSR_FS_BASE || msr === MSR_GS_BASE) {
    if (!canonical(hi)) cpu.fault(GP, 0);
    setSegmentBase(cpu, msr === MSR_FS_BASE ? FS : GS, lo, hi);
    return true;
  }
  if (ADDRESS_MSRS.includes(msr) && !canonical(hi)) cpu.fault(GP, 0);
  return false;
}

/** Write FS or GS's 64-bit base (WRMSR, WRFSBASE/WRGSBASE, SWAPGS). */
export function setSegmentBase(cpu: Cpu, s: number, lo: number, hi: number): void {
  cpu.segBase[s] = lo | 0;
  cpu.segBaseHi[s] = hi | 0;
  cpu.segUpdated(s);
}

/** The known-MSR test for the base MSRs, which live in the segment caches rather than cpu.msrs. */
export function isBaseMsr(msr: number): boolean {
  return msr === MSR_FS_BASE || msr === MSR_GS_BASE;
}
