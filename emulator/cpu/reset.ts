// CPU power-on state, the boot entry states a BootPlan can ask for, and snapshots.

import * as K from './constants';
import type { Cpu } from './execute';
import { resetMsrs } from './identity';
import * as D from './dispatch';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CS, SS } = K;
const { FAMILIES } = D;

/** Power-on/RESET state (SDM Vol. 3 §9.1.1), real mode at F000:FFF0 with CS base FFFF0000. */
export function resetCpu(cpu: Cpu): void {
  cpu.regs.fill(0); cpu.regsHi.fill(0); cpu.ripHi = 0;
  cpu.regs[2] = 0x683;               // EDX holds the processor signature after reset
  cpu.flags = 2; cpu.ccOp = 0;
  cpu.cr0 = 0x60000010; cpu.cr2 = 0; cpu.cr3 = 0; cpu.cr4 = 0;
  cpu.dr.fill(0); cpu.dr[6] = 0xffff0ff0 | 0; cpu.dr[7] = 0x400;
  cpu.gdtBase = 0; cpu.gdtLimit = 0xffff; cpu.idtBase = 0; cpu.idtLimit = 0x3ff;
  cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtLimit = 0xffff; cpu.ldtAttr = 0x82;
  cpu.trSel = 0; cpu.trBase = 0; cpu.trLimit = 0xffff; cpu.trAttr = 0x8b;
  cpu.gdtBaseHi = 0; cpu.idtBaseHi = 0; cpu.ldtBaseHi = 0; cpu.trBaseHi = 0;
  cpu.lma = false; cpu.long64 = false; cpu.segBaseHi.fill(0); cpu.tprShadow = 0;
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = 0; cpu.segBase[s] = 0; cpu.segLimit[s] = 0xffff; cpu.segAttr[s] = s === CS ? 0x9b : 0x93;
  }
  for (let s = 0; s < 6; s++) cpu.segUpdated(s);
  cpu.setCpl(0);
  cpu.a20Mask = -1;
  cpu.halted = false; cpu.shadow = false; cpu.nmiBlocked = false; cpu.vnmiPending = false; cpu.nmiWindowArmed = false; cpu.irqPoll = true; cpu.attn = true;
  cpu.icount = 0; cpu.idleTicks = 0; cpu.tscOffset = 0;
  cpu.tripleFault = null; cpu.filterHit = false; cpu.watchHit = null;
  cpu.pauseRequested = false; cpu.requestPending = false; cpu.pendingRequest = null;
  cpu.fpu.reset();
  cpu.sse.reset();
  cpu.drHits = 0;
  cpu.updateDebugRegisters();
  resetMsrs(cpu);
  cpu.msrReserved.clear();
  for (const f of FAMILIES) {
    for (const m of f.msrs ?? []) {
      cpu.msrs.set(m.index, [m.reset[0], m.reset[1]]);
      if (m.reserved) cpu.msrReserved.set(m.index, m.reserved);
    }
  }
  cpu.flushTlb();
}

export function enterReset(cpu: Cpu): void {
  cpu.segSel[CS] = 0xf000; cpu.segBase[CS] = 0xffff0000 | 0; cpu.segUpdated(CS);
  cpu.eip = 0xfff0;
}

export function enterReal(cpu: Cpu, cs: number, ip: number, ss?: number, sp?: number): void {
  cpu.setSegReal(CS, cs & 0xffff);
  cpu.eip = ip & 0xffff;
  if (ss !== undefined) cpu.setSegReal(SS, ss & 0xffff);
  if (sp !== undefined) cpu.regs[4] = sp & 0xffff;
}

/** CR0.PE=1, flat 4 GiB ring-0 code (selector 0x08) and data (0x10) caches, paging off, IF=0. */
export function enterFlat32(cpu: Cpu, eip: number): void {
  cpu.cr0 = (cpu.cr0 | 1) & ~0x60000000;
  cpu.regs[2] = 0;
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = s === CS ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = s === CS ? 0xc09b : 0xc093;
  }
  for (let s = 0; s < 6; s++) cpu.segUpdated(s);
  cpu.setCpl(0);
  cpu.eip = eip | 0;
  cpu.flags = 2; cpu.ccOp = 0;
  cpu.flushTlb();
}

export interface CpuSnapshot { [k: string]: unknown }

const SCALARS = [
  'eip', 'flags', 'ccOp', 'ccA', 'ccB', 'ccRes', 'ccBits', 'ccCF', 'cpl', 'cr0', 'cr2', 'cr3', 'cr4', 'a20Mask',
  'gdtBase', 'gdtLimit', 'idtBase', 'idtLimit', 'ldtSel', 'ldtBase', 'ldtLimit', 'ldtAttr', 'trSel', 'trBase', 'trLimit',
  'gdtBaseHi', 'idtBaseHi', 'ldtBaseHi', 'trBaseHi',
  'trAttr', 'icount', 'idleTicks', 'tscOffset', 'halted', 'shadow', 'nmiBlocked', 'vnmiPending', 'nmiWindowArmed',
] as const;

export function saveCpu(cpu: Cpu): CpuSnapshot {
  const c = cpu as unknown as Record<string, unknown>;
  const s: CpuSnapshot = {};
  for (const k of SCALARS) s[k] = c[k];
  // Whether an interrupt check is due is state too: forcing one after a restore delivered a
  // PV event that was pending while the original run would have waited for the next tick.
  s.irqPoll = cpu.irqPoll;
  // A MOV SS shadow holds back single-step traps too (not only interrupts); CR8 without an APIC.
  s.ssShadow = cpu.ssShadow; s.tprShadow = cpu.tprShadow;
  s.regs = cpu.regs.slice();
  s.regsHi = cpu.regsHi.slice(); s.ripHi = cpu.ripHi; s.segBaseHi = cpu.segBaseHi.slice();
  // The lazy flags of a 64-bit operation and XMM8-15 only where they are in use: a 32-bit
  // guest's snapshots (the reverse history keeps hundreds within a byte budget) keep their size.
  if (cpu.ccOp >= 9) s.cc64 = [cpu.ccAHi, cpu.ccBHi, cpu.ccRLo, cpu.ccRHi];
  s.segSel = cpu.segSel.slice(); s.segBase = cpu.segBase.slice(); s.segLimit = cpu.segLimit.slice(); s.segAttr = cpu.segAttr.slice();
  s.dr = cpu.dr.slice();
  s.pdpte = cpu.pdpte.slice();
  s.msrs = [...cpu.msrs.entries()].map(([k, v]) => [k, [v[0], v[1]]]);
  const f = cpu.fpu;
  s.fpu = { st: f.st.slice(), empty: f.empty, top: f.top, cw: f.cw, sw: f.sw };
  const xmm = cpu.sse.registers();
  s.sse = { xmm: xmm.subarray(128).some((v) => v !== 0) ? xmm.slice() : xmm.slice(0, 128), mxcsr: cpu.sse.mxcsr, xcr0: cpu.sse.xcr0 };
  return s;
}

export function loadCpu(cpu: Cpu, s: CpuSnapshot): void {
  const c = cpu as unknown as Record<string, unknown>;
  for (const k of SCALARS) c[k] = s[k];
  // Snapshots from before the VT-x NMI controls had no NMI held by the hypervisor.
  cpu.vnmiPending = s.vnmiPending === true; cpu.nmiWindowArmed = s.nmiWindowArmed === true;
  cpu.ssShadow = s.ssShadow === true; cpu.tprShadow = typeof s.tprShadow === 'number' ? s.tprShadow : 0;
  // Snapshots from before long mode hold eight registers and no high halves.
  cpu.regs.fill(0); cpu.regs.set(s.regs as Int32Array);
  cpu.regsHi.fill(0); if (s.regsHi) cpu.regsHi.set(s.regsHi as Int32Array);
  cpu.segBaseHi.fill(0); if (s.segBaseHi) cpu.segBaseHi.set(s.segBaseHi as Int32Array);
  // The lazy flags of a 64-bit operation (lazy-flags.ts) keep their operands' high halves.
  const cc = (s.cc64 as number[] | undefined) ?? [0, 0, 0, 0];
  cpu.ccAHi = cc[0]; cpu.ccBHi = cc[1]; cpu.ccRLo = cc[2]; cpu.ccRHi = cc[3];
  for (let i = 0; i < 6; i++) {
    cpu.segSel[i] = (s.segSel as number[])[i]; cpu.segBase[i] = (s.segBase as number[])[i];
    cpu.segLimit[i] = (s.segLimit as number[])[i]; cpu.segAttr[i] = (s.segAttr as number[])[i];
  }
  cpu.dr.set(s.dr as Int32Array);
  cpu.pdpte.set(s.pdpte as Int32Array);
  cpu.msrs.clear();
  for (const [k, v] of s.msrs as Array<[number, [number, number]]>) cpu.msrs.set(k, [v[0], v[1]]);
  cpu.nxe = ((cpu.msrs.get(K.MSR_EFER)?.[0] ?? 0) & K.EFER_NXE) !== 0;
  cpu.efer = cpu.msrs.get(K.MSR_EFER)?.[0] ?? 0;
  cpu.lma = (cpu.efer & K.EFER_LMA) !== 0;
  const f = s.fpu as { st: Float64Array; empty: number; top: number; cw: number; sw: number };
  cpu.fpu.st.set(f.st); cpu.fpu.empty = f.empty; cpu.fpu.top = f.top; cpu.fpu.cw = f.cw; cpu.fpu.sw = f.sw;
  // Snapshots from before the SSE unit existed restore it to its power-on state.
  const x = s.sse as { xmm: Uint8Array; mxcsr: number; xcr0?: number } | undefined;
  cpu.sse.reset();
  if (x) { cpu.sse.registers().set(x.xmm); cpu.sse.mxcsr = x.mxcsr; cpu.sse.xcr0 = x.xcr0 ?? 1; }
  for (let i = 0; i < 6; i++) cpu.segUpdated(i);
  cpu.ripHi = cpu.long64 ? (s.ripHi as number | undefined ?? 0) : 0;
  cpu.setCpl(cpu.cpl);
  cpu.drHits = 0;
  cpu.updateDebugRegisters();
  cpu.tripleFault = null; cpu.filterHit = false; cpu.watchHit = null; cpu.irqPoll = s.irqPoll !== false; cpu.attn = true;
  cpu.flushTlb();
}

