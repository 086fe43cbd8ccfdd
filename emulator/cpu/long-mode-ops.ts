// The instructions of 64-bit kernels that live beside the system ones: SYSCALL/SYSRET (with
// STAR, LSTAR, FMASK and EFER.SCE), SWAPGS, RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (CR4.FSGSBASE)
// and MOV to/from CR8 (the local APIC's TPR). Semantics from the SDM's pages; where Intel and
// AMD differ this CPU is Intel's (it says GenuineIntel): SYSCALL is #UD outside 64-bit mode
// (AMD would take it through CSTAR in compatibility mode), SYSRET to a non-canonical RCX is
// #GP(0) in ring 0, a null selector loaded into FS or GS clears the base.

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import { encodeCrAccess } from '../isa/exit-qualification';
import { canonical, setSegmentBase } from './long-msrs';
import type { ExecCpu } from './handler';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { A_DB, A_G, A_L, CR4_FSGSBASE, CS, EFER_SCE, FLAG_RF, FLAG_ZF, FLAGS_FIXED, FS, GP, GS, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_SFMASK, MSR_STAR, SS, UD } = K;

/** The flat segments SYSCALL and SYSRET load without reading a descriptor (type, S, P, G; DPL and L/D/B added). */
const CODE_FLAT = 0x9b | A_G;      // execute/read, accessed
const STACK_FLAT = 0x93 | A_G | A_DB; // read/write, accessed, 32-bit (B), as the SDM sets it
/** SYSRET's RFLAGS: R11 with RF, VM and the reserved bits cleared (3C7FD7H), bit 1 set. */
const SYSRET_FLAGS = 0x3c7fd7;

function flatSegment(cpu: ExecCpu, s: number, sel: number, attr: number): void {
  cpu.segSel[s] = sel & 0xffff;
  cpu.segBase[s] = 0;
  cpu.segBaseHi[s] = 0;
  cpu.segLimit[s] = 0xffffffff;
  cpu.segAttr[s] = attr;
  cpu.segUpdated(s);
}

/** 0F 05 SYSCALL: ring 0 at LSTAR with CS/SS from STAR[47:32], RCX = next RIP, R11 = RFLAGS. */
export function syscall(cpu: ExecCpu): void {
  if (!cpu.long64) cpu.fault(UD);
  if (cpu.syscallHook !== null && cpu.syscallHook()) { cpu.attn = true; cpu.irqPoll = true; return; }
  if (!(cpu.efer & EFER_SCE)) cpu.fault(UD);
  const sel = cpu.msrs.get(MSR_STAR)![1] & 0xffff;
  const target = cpu.msrs.get(MSR_LSTAR)!;
  const mask = cpu.msrs.get(MSR_SFMASK)![0];
  const fl = cpu.getFlags();
  cpu.regs[1] = cpu.eip; cpu.regsHi[1] = cpu.ripHi;
  cpu.regs[11] = fl & ~FLAG_RF; cpu.regsHi[11] = 0;
  cpu.flags = (fl & ~mask & ~FLAG_RF) | FLAGS_FIXED; cpu.ccOp = 0;
  flatSegment(cpu, CS, sel & 0xfffc, CODE_FLAT | A_L);
  flatSegment(cpu, SS, (sel + 8) & 0xffff, STACK_FLAT);
  cpu.setCpl(0);
  cpu.eip = target[0]; cpu.ripHi = target[1];
  cpu.invalidateFetch();
  cpu.attn = true; cpu.irqPoll = true;   // IF and TF may have changed
}

/**
 * 0F 07 SYSRET (REX.W: to 64-bit code at RCX, CS = STAR[63:48] + 16; otherwise to
 * compatibility mode at ECX, CS = STAR[63:48]); SS = STAR[63:48] + 8; RFLAGS from R11. RSP is
 * the kernel's business: SYSRET leaves it alone.
 */
export function sysret(cpu: ExecCpu): void {
  if (!cpu.long64 || !(cpu.efer & EFER_SCE)) cpu.fault(UD);
  if (cpu.cpl !== 0) cpu.fault(GP, 0);
  const to64 = cpu.o64;
  if (to64 && !canonical(cpu.regsHi[1])) cpu.fault(GP, 0);
  const base = cpu.msrs.get(MSR_STAR)![1] >>> 16;
  cpu.flags = (cpu.regs[11] & SYSRET_FLAGS) | FLAGS_FIXED; cpu.ccOp = 0;
  flatSegment(cpu, CS, ((to64 ? base + 16 : base) | 3) & 0xffff, CODE_FLAT | (3 << 5) | (to64 ? A_L : A_DB));
  flatSegment(cpu, SS, ((base + 8) | 3) & 0xffff, STACK_FLAT | (3 << 5));
  cpu.setCpl(3);
  cpu.eip = cpu.regs[1]; cpu.ripHi = to64 ? cpu.regsHi[1] : 0;
  cpu.invalidateFetch();
  cpu.attn = true; cpu.irqPoll = true;
}

/** 0F 01 F8 SWAPGS: exchange GS.base with IA32_KERNEL_GS_BASE (64-bit mode, ring 0). */
export function swapgs(cpu: ExecCpu): void {
  if (!cpu.long64) cpu.fault(UD);
  if (cpu.cpl !== 0) cpu.fault(GP, 0);
  const k = cpu.msrs.get(MSR_KERNEL_GS_BASE)!;
  const lo = cpu.segBase[GS], hi = cpu.segBaseHi[GS];
  setSegmentBase(cpu, GS, k[0], k[1]);
  k[0] = lo | 0; k[1] = hi | 0;
}

/**
 * F3 0F AE /0-/3 (register forms): RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE on register `r`
 * (0-15). 32-bit operands zero-extend on read and clear the high half on write; REX.W moves
 * all 64 bits. #UD outside 64-bit mode or without CR4.FSGSBASE; #GP(0) writing a
 * non-canonical base.
 */
export function fsgsBase(cpu: ExecCpu, op: number, r: number): void {
  if (!cpu.long64 || !(cpu.cr4 & CR4_FSGSBASE) || cpu.lock) cpu.fault(UD);
  const s = op & 1 ? GS : FS;
  const w = cpu.o64;
  if (op < 2) {
    cpu.regs[r] = cpu.segBase[s];
    cpu.regsHi[r] = w ? cpu.segBaseHi[s] : 0;
    return;
  }
  const lo = cpu.regs[r], hi = w ? cpu.regsHi[r] : 0;
  if (!canonical(hi)) cpu.fault(GP, 0);
  setSegmentBase(cpu, s, lo, hi);
}

/** The TPR as CR8 sees it: the APIC's when the platform has one, the CPU's own otherwise. */
function readTpr(cpu: ExecCpu): number {
  const p = cpu.platform;
  return p && p.readTpr ? p.readTpr() : cpu.tprShadow;
}

/** MOV r64, CR8: TPR[7:4] zero-extended. Qualification as MOV from CR (register 0-15). */
export function readCr8(cpu: ExecCpu, r: number): void {
  const c = cpu.controls;
  if (c?.cr8Store) cpu.vmexit(ExitReason.CR_ACCESS, encodeCrAccess(8, 1, r), 'hypervisor');
  cpu.regs[r] = (readTpr(cpu) >>> 4) & 0xf;
  cpu.regsHi[r] = 0;
}

/** MOV CR8, r64: bits 63:4 are reserved (#GP(0)); the TPR becomes CR8 << 4, which may unmask an interrupt. */
export function writeCr8(cpu: ExecCpu, r: number): void {
  const lo = cpu.regs[r], hi = cpu.regsHi[r];
  if ((lo & ~0xf) || hi) cpu.fault(GP, 0);
  const c = cpu.controls;
  if (c?.cr8Load) cpu.vmexit(ExitReason.CR_ACCESS, encodeCrAccess(8, 0, r), 'hypervisor', { value: lo >>> 0, valueHi: 0 });
  const tpr = (lo & 0xf) << 4;
  const p = cpu.platform;
  if (p && p.writeTpr) p.writeTpr(tpr); else cpu.tprShadow = tpr;
  cpu.irqPoll = true; cpu.attn = true;
}

/**
 * In 64-bit mode a 32-bit register write zeroes bits 63:32: for the system instructions that
 * write EAX/ECX/EDX/EBX directly (CPUID, RDMSR, RDTSC, RDTSCP, RDPMC, XGETBV).
 */
export function zeroHigh(cpu: ExecCpu, ...regs: number[]): void {
  if (!cpu.long64) return;
  for (const r of regs) cpu.regsHi[r] = 0;
}

/**
 * 0F C7 /1 with REX.W: CMPXCHG16B m128 (after the ModR/M). The operand must be 16-byte aligned
 * (#GP(0) otherwise, LOCK or not). RDX:RAX against the memory; equal: RCX:RBX is stored and ZF
 * set; not: the memory is loaded into RDX:RAX and ZF cleared. The destination is written
 * either way (its old value when they differ), as the SDM has it, so a read-only page faults
 * in both cases.
 */
export function cmpxchg16b(cpu: ExecCpu): void {
  const at = cpu.eaLin(16, true);
  if (at % 16 !== 0) cpu.fault(GP, 0);
  const a4 = cpu.linAdd(at, 4), a8 = cpu.linAdd(at, 8), a12 = cpu.linAdd(at, 12);
  const m0 = cpu.rd32(at), m1 = cpu.rd32(a4), m2 = cpu.rd32(a8), m3 = cpu.rd32(a12);
  cpu.probeWrite(at, 16);
  const r = cpu.regs, h = cpu.regsHi;
  if (m0 === r[0] && m1 === h[0] && m2 === r[2] && m3 === h[2]) {
    cpu.wr32(at, r[3]); cpu.wr32(a4, h[3]); cpu.wr32(a8, r[1]); cpu.wr32(a12, h[1]);
    cpu.setArith(FLAG_ZF, FLAG_ZF);
  } else {
    cpu.wr32(at, m0); cpu.wr32(a4, m1); cpu.wr32(a8, m2); cpu.wr32(a12, m3);
    r[0] = m0; h[0] = m1; r[2] = m2; h[2] = m3;
    cpu.setArith(0, FLAG_ZF);
  }
}
