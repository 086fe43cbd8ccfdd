// The long-mode CPU state a debugger shows, read through MachineApi.longModeState() by the
// names of the long-mode contract (emulator/cpu/LONG-MODE.md). Values are BigInts (all 64
// bits); where the DWARF reader wants numbers, addresses are the signed value of the 64 bits
// (arch.ts).

import type { LongModeState, MachineApi } from '../../emulator/machine';

export type LongCpu = LongModeState;

/** RAX..R15 by encoding number (the CPU's order), and the order a register view lists them in. */
export const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export const GPR64_SHOWN = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

import { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE } from '../../emulator/isa/msr-numbers';
export { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE };
const FS = 4, GS = 5;

/** The CPU's 64-bit register state, or null when its CPU has none. */
export function longCpu(m: MachineApi): LongCpu | null { return m.longModeState(); }

const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export function gpr(c: LongCpu, i: number): bigint { return pair(c.regs[i]!, c.regsHi[i]!); }

export function setGpr(c: LongCpu, i: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  c.regs[i] = Number(u & 0xffffffffn) | 0;
  c.regsHi[i] = Number(u >> 32n) | 0;
}

/** RIP: ripHi:eip (ripHi is 0 outside 64-bit mode). */
export function rip(c: LongCpu): bigint { return pair(c.eip, c.ripHi | 0); }

export function controlRegister(c: LongCpu, n: 0 | 2 | 3 | 4): bigint {
  // In long mode the CPU keeps CR2 as one number, the faulting linear address as linear
  // addresses are kept (signed, exact when canonical); the others as their low 32 bits.
  if (n === 2 && longModeActive(c)) return BigInt.asUintN(64, BigInt(Math.trunc(c.cr2)));
  return BigInt((n === 0 ? c.cr0 : n === 2 ? c.cr2 : n === 3 ? c.cr3 : c.cr4) >>> 0);
}

/** FS.base or GS.base: segBase holds the low half, segBaseHi the high one (long mode only). */
export function segmentBase(c: LongCpu, seg: 'fs' | 'gs'): bigint {
  const i = seg === 'fs' ? FS : GS;
  return pair(c.segBase[i]!, c.segBaseHi?.[i] ?? 0);
}

/** IA32_KERNEL_GS_BASE (what SWAPGS exchanges with GS.base), from the MSR map. */
export function kernelGsBase(c: LongCpu): bigint | null {
  const m = c.msrs.get(MSR_KERNEL_GS_BASE);
  return m ? pair(m[0], m[1]) : null;
}

/** CR8: TPR[7:4], as MOV from CR8 reads it (the local APIC's TPR, or the CPU's own shadow without one). */
export function cr8(c: LongCpu): number {
  const tpr = c.platform?.readTpr ? c.platform.readTpr() : c.tprShadow;
  return (tpr >>> 4) & 0xf;
}

export function efer(c: LongCpu): number { return c.efer >>> 0; }

/** LMA: long mode active (IA-32e paging); 64-bit submode when CS.L too. */
export function longModeActive(c: LongCpu): boolean { return c.lma; }
export function in64BitMode(c: LongCpu): boolean { return !!c.long64; }

/** The mode the CPU runs in, as a person names it. */
export function modeText(c: LongCpu): string {
  if (c.long64) return '64-bit (IA-32e, CS.L=1)';
  if (longModeActive(c)) return 'compatibility (IA-32e, CS.L=0)';
  return c.cr0 & 1 ? 'protected' : 'real';
}

/** XMM0-15 and MXCSR. */
export function xmmState(c: LongCpu): { xmm: Uint8Array; count: number; mxcsr: number } {
  return { xmm: c.sse.bytes.slice(0, 256), count: 16, mxcsr: c.sse.mxcsr };
}

/** A 64-bit value as the DWARF reader and the expression language keep addresses: signed. */
export function asAddress(v: bigint): number { return Number(BigInt.asIntN(64, v)); }

/** 0x + 16 hex digits. */
export function hex64(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0'); }
