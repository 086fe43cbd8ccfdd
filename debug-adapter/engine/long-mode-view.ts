// The long-mode CPU state a debugger shows, read from the CPU object by the names of the
// long-mode contract (emulator/cpu/LONG-MODE.md): `regs`/`regsHi` (low and high halves of RAX..R15
// in encoding order), `eip`/`ripHi`, `efer`, `lma`, `long64`, `segBase`/`segBaseHi` (FS and GS
// bases are 64-bit), the MSR map (KERNEL_GS_BASE), CR8 and the SSE unit (XMM0-15, MXCSR).
// Fields a CPU does not have are simply not shown. Values are BigInts (all 64 bits); where the
// DWARF reader wants numbers, addresses are the signed value of the 64 bits (arch.ts).

import type { MachineApi } from '../../emulator/machine';

export interface LongCpu {
  regs: Int32Array; regsHi: Int32Array; eip: number; ripHi: number;
  lma?: boolean; long64?: boolean; efer?: number;
  segSel: number[]; segBase: ArrayLike<number>; segBaseHi?: Int32Array;
  msrs?: Map<number, [number, number]>;
  cr0: number; cr2: number; cr3: number; cr4: number;
  getFlags(): number;
  sse?: { bytes?: Uint8Array; mxcsr?: number };
  [extra: string]: unknown;
}

/** RAX..R15 by encoding number (the CPU's order), and the order a register view lists them in. */
export const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export const GPR64_SHOWN = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

import { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE } from '../../emulator/isa/msr-numbers';
export { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE };
const FS = 4, GS = 5;

/** The CPU when it has the long-mode register file (regsHi beside 16 regs), else null. */
export function longCpu(m: MachineApi): LongCpu | null {
  const c = (m as unknown as { cpu?: LongCpu }).cpu;
  return c && c.regs instanceof Int32Array && c.regs.length >= 16 && c.regsHi instanceof Int32Array ? c : null;
}

const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export function gpr(c: LongCpu, i: number): bigint { return pair(c.regs[i]!, c.regsHi[i]!); }

export function setGpr(c: LongCpu, i: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  c.regs[i] = Number(u & 0xffffffffn) | 0;
  c.regsHi[i] = Number(u >> 32n) | 0;
}

/** RIP: ripHi:eip (ripHi is 0 outside 64-bit mode). */
export function rip(c: LongCpu): bigint { return pair(c.eip, c.ripHi | 0); }

/** A field's 64-bit value from its low half and an optional `<name>Hi` high half. */
function wide(c: LongCpu, name: string): bigint {
  const lo = c[name], hi = c[`${name}Hi`];
  return pair(typeof lo === 'number' ? lo : 0, typeof hi === 'number' ? hi : 0);
}

export function controlRegister(c: LongCpu, n: 0 | 2 | 3 | 4): bigint {
  // In long mode the CPU keeps CR2 as one number, the faulting linear address as linear
  // addresses are kept (signed, exact when canonical); a `cr2Hi` half, where a CPU has one, wins.
  if (n === 2 && typeof c.cr2Hi !== 'number' && longModeActive(c)) return BigInt.asUintN(64, BigInt(Math.trunc(c.cr2)));
  return wide(c, `cr${n}`);
}

/** FS.base or GS.base: segBase holds the low half, segBaseHi the high one (long mode only). */
export function segmentBase(c: LongCpu, seg: 'fs' | 'gs'): bigint {
  const i = seg === 'fs' ? FS : GS;
  return pair(c.segBase[i]!, c.segBaseHi?.[i] ?? 0);
}

/** IA32_KERNEL_GS_BASE (what SWAPGS exchanges with GS.base): its own field, or the MSR map. */
export function kernelGsBase(c: LongCpu): bigint | null {
  for (const name of ['kernelGsBase', 'kernelGSBase']) if (typeof c[name] === 'number' || typeof c[name] === 'bigint') {
    const v = c[name];
    return typeof v === 'bigint' ? BigInt.asUintN(64, v) : wide(c, name);
  }
  const m = c.msrs?.get(MSR_KERNEL_GS_BASE);
  return m ? pair(m[0], m[1]) : null;
}

/** CR8: TPR[7:4], as MOV from CR8 reads it (the local APIC's TPR, or the CPU's own shadow without one). */
export function cr8(c: LongCpu): number | null {
  const p = c.platform as { readTpr?: () => number } | undefined;
  const tpr = p && typeof p.readTpr === 'function' ? p.readTpr() : typeof c.tprShadow === 'number' ? c.tprShadow : null;
  return tpr === null ? null : (tpr >>> 4) & 0xf;
}

export function efer(c: LongCpu): number {
  if (typeof c.efer === 'number') return c.efer >>> 0;
  const m = c.msrs?.get(0xc0000080);
  return m ? m[0] >>> 0 : 0;
}

/** LMA: long mode active (IA-32e paging); 64-bit submode when CS.L too. */
export function longModeActive(c: LongCpu): boolean { return c.lma ?? (efer(c) & 0x400) !== 0; }
export function in64BitMode(c: LongCpu): boolean { return !!c.long64; }

/** The mode the CPU runs in, as a person names it. */
export function modeText(c: LongCpu): string {
  if (c.long64) return '64-bit (IA-32e, CS.L=1)';
  if (longModeActive(c)) return 'compatibility (IA-32e, CS.L=0)';
  return c.cr0 & 1 ? 'protected' : 'real';
}

/** The XMM registers there are (8 or 16 of 16 bytes each) and MXCSR. */
export function xmmState(c: LongCpu): { xmm: Uint8Array; count: number; mxcsr: number } | null {
  const s = c.sse;
  if (!s || !(s.bytes instanceof Uint8Array) || typeof s.mxcsr !== 'number') return null;
  const count = s.bytes.length >= 256 ? 16 : 8;
  return { xmm: s.bytes.slice(0, count * 16), count, mxcsr: s.mxcsr };
}

/** A 64-bit value as the DWARF reader and the expression language keep addresses: signed. */
export function asAddress(v: bigint): number { return Number(BigInt.asIntN(64, v)); }

/** 0x + 16 hex digits. */
export function hex64(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0'); }
