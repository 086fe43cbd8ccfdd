// System and privileged instructions: HLT, NOP/PAUSE, ARPL, group 6 (SLDT STR LLDT LTR VERR
// VERW), group 7 (SGDT SIDT LGDT LIDT SMSW LMSW INVLPG VMCALL MONITOR MWAIT CLAC STAC; UMIP), LAR/LSL, CLTS,
// INVD, WBINVD, MOV to/from CR and DR, RDMSR/WRMSR, RDTSC/RDTSCP, RDPMC, SYSENTER/SYSEXIT, CPUID,
// the hint NOPs (the fences are in group 15, sse-move.ts). Each calls the VM-exit hook where VT-x would intercept it,
// before its effect.

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import { xgetbv, xsetbv } from './sse-save';
import { cpuid, msrKnown, rdmsr, readTsc, wrmsr } from './identity';
import { LONG_MSRS, canonical } from './long-msrs';
import { invpcid } from './invpcid';
import { readCr8, swapgs, syscall, sysret, writeCr8, zeroHigh } from './long-mode-ops';
import { MemoryAccess, linHi } from './memory-access';
import type { ExecCpu, Family, Handler } from './handler';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const {
  CR0_PE, CR0_TS, CR4_DE, CR4_PCE, CR4_TSD, CR4_UMIP, CS, FLAG_AC, FS, GS, FLAG_IF, FLAG_RF, FLAG_VM, FLAG_ZF, GP, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, MSR_TSC_AUX, SS, UD,
} = K;

/** CPL 0 only (in protected mode): #GP(0) otherwise. */
function priv(cpu: ExecCpu): void {
  if ((cpu.cr0 & CR0_PE) && cpu.cpl !== 0) cpu.fault(GP, 0);
}

const hlt: Handler = (cpu) => {
  if (cpu.protectedMode && cpu.cpl !== 0) cpu.fault(GP, 0);
  if (cpu.controls?.hltExiting) cpu.vmexit(ExitReason.HLT, 0, 'hypervisor');
  cpu.halted = true;
  cpu.irqPoll = true; cpu.attn = true;
};

/** 90: NOP, or PAUSE with F3. */
const nopPause: Handler = (cpu) => {
  if (cpu.rep === 0xf3 && cpu.controls?.pauseExiting) cpu.vmexit(ExitReason.PAUSE, 0, 'hypervisor');
};

const arpl: Handler = (cpu) => {
  if (!cpu.protectedMode || cpu.v86) cpu.fault(UD);
  cpu.modrm();
  const d = cpu.getE16(), s = cpu.r16[cpu.reg << 1];
  if ((d & 3) < (s & 3)) { cpu.setE16((d & ~3) | (s & 3)); cpu.setArith(FLAG_ZF, FLAG_ZF); }
  else cpu.setArith(0, FLAG_ZF);
};

const group6: Handler = (cpu) => {
  cpu.modrm();
  const reg = cpu.reg;
  // Real and V86 mode have no selectors to examine or load: all of group 6 is #UD there.
  if (!(cpu.cr0 & CR0_PE) || cpu.v86) cpu.fault(UD);
  switch (reg) {
    case 0: case 1: { // SLDT, STR
      umip(cpu);
      if (cpu.controls?.descriptorTable) cpu.vmexit(ExitReason.LDTR_TR_ACCESS, 0, 'hypervisor');
      const v = reg === 0 ? cpu.ldtSel : cpu.trSel;
      if (cpu.mod === 3 && cpu.o32) { cpu.regs[cpu.rm] = v; cpu.regsHi[cpu.rm] = 0; } else cpu.setE16(v);
      return;
    }
    case 2: case 3: {
      priv(cpu);
      const sel = cpu.getE16();
      if (cpu.controls?.descriptorTable) cpu.vmexit(ExitReason.LDTR_TR_ACCESS, 0, 'hypervisor');
      if (reg === 2) cpu.loadLdt(sel, false); else cpu.loadTr(sel);
      return;
    }
    case 4: case 5: { // VERR, VERW
      const sel = cpu.getE16();
      let ok = false;
      if ((sel & 0xfffc) !== 0 && cpu.readDescriptor(sel)) {
        const hi = cpu.dHi, dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
        if (hi & 0x1000) {
          const code = (type & 8) !== 0, conforming = code && (type & 4) !== 0;
          const privOk = conforming || (dpl >= cpu.cpl && dpl >= (sel & 3));
          ok = privOk && (reg === 4 ? (!code || (type & 2) !== 0) : (!code && (type & 2) !== 0));
        }
      }
      cpu.setArith(ok ? FLAG_ZF : 0, FLAG_ZF);
      return;
    }
    default: cpu.fault(UD);
  }
};

/** CR4.UMIP: SGDT, SIDT, SLDT, SMSW and STR are #GP(0) outside ring 0 (V86 mode included). */
function umip(cpu: ExecCpu): void {
  if ((cpu.cr4 & CR4_UMIP) && (cpu.cpl > 0 || cpu.v86)) cpu.fault(GP, 0);
}

/** CLAC/STAC (0F 01 CA/CB): ring 0 only (#UD elsewhere, V86 mode included), as CPUID's SMAP promises. */
function setAc(cpu: ExecCpu, on: boolean): void {
  if (cpu.cpl > 0 || cpu.v86) cpu.fault(UD);
  if (on) cpu.flags |= FLAG_AC; else cpu.flags &= ~FLAG_AC;
}

const group7: Handler = (cpu) => {
  const m = cpu.fetch8();
  cpu.mod = m >> 6; cpu.reg = (m >> 3) & 7; cpu.rm = m & 7;
  const regs = cpu.regs;
  if (cpu.mod === 3) {
    // These register forms take no operand-size or REP prefix (with one they are other instructions).
    if ((m === 0xc1 || m === 0xc8 || m === 0xc9 || m === 0xca || m === 0xcb || m === 0xd0 || m === 0xd1) && (cpu.rep || cpu.o32 !== cpu.cs32)) cpu.fault(UD);
    switch (m) {
      case 0xc1: // VMCALL
        if (!cpu.sink) cpu.fault(UD);
        cpu.vmexit(ExitReason.VMCALL, 0, 'kvm');
        return;
      case 0xf8: swapgs(cpu); return;
      case 0xf9: rdtscp(cpu); return;
      case 0xca: setAc(cpu, false); return;
      case 0xcb: setAc(cpu, true); return;
      case 0xd0: xgetbv(cpu); return;
      case 0xd1: xsetbv(cpu, () => cpu.vmexit(ExitReason.XSETBV, 0, 'hypervisor')); return;
      case 0xc8: case 0xc9: // MONITOR, MWAIT: not advertised by CPUID; an intercepting hypervisor treats them as NOP
        if (!cpu.controls?.monitorMwait) cpu.fault(UD);
        priv(cpu);
        cpu.vmexit(m === 0xc8 ? ExitReason.MONITOR : ExitReason.MWAIT, 0, 'hypervisor');
        return;
    }
    const rm = cpu.rm | cpu.rexB;
    if (cpu.reg === 4) { // SMSW r
      umip(cpu);
      if (cpu.o32 || cpu.o64) { regs[rm] = cpu.cr0; cpu.regsHi[rm] = 0; } else cpu.r16[rm << 1] = cpu.cr0;
      return;
    }
    if (cpu.reg === 6) { priv(cpu); lmsw(cpu, cpu.r16[rm << 1]); return; }
    cpu.fault(UD);
  }
  // Memory forms: finish decoding the address now that mod/rm are known.
  if (cpu.long64) cpu.ea64(); else cpu.ea();
  switch (cpu.reg) {
    case 0: case 1: { // SGDT, SIDT (10 bytes in 64-bit mode: the base is 64-bit)
      umip(cpu);
      if (cpu.controls?.descriptorTable) cpu.vmexit(ExitReason.GDTR_IDTR_ACCESS, 0, 'hypervisor');
      const limit = cpu.reg === 0 ? cpu.gdtLimit : cpu.idtLimit;
      const base = cpu.reg === 0 ? cpu.gdtBase : cpu.idtBase;
      const long = cpu.long64;
      cpu.probeWrite(cpu.eaLin(long ? 10 : 6, true), long ? 10 : 6);
      cpu.wr16(cpu.eaLin(2, true), limit);
      cpu.wr32(cpu.eaLin(4, true, 2), base);
      if (long) cpu.wr32(cpu.eaLin(4, true, 6), cpu.reg === 0 ? cpu.gdtBaseHi : cpu.idtBaseHi);
      return;
    }
    case 2: case 3: { // LGDT, LIDT
      priv(cpu);
      const limit = cpu.rd16(cpu.eaLin(2, false));
      let base = cpu.rd32(cpu.eaLin(4, false, 2));
      const baseHi = cpu.long64 ? cpu.rd32(cpu.eaLin(4, false, 6)) : 0;
      if (!cpu.o32 && !cpu.long64) base &= 0xffffff;
      if (cpu.controls?.descriptorTable) cpu.vmexit(ExitReason.GDTR_IDTR_ACCESS, 0, 'hypervisor');
      if (cpu.reg === 2) { cpu.gdtBase = base; cpu.gdtBaseHi = baseHi; cpu.gdtLimit = limit; }
      else { cpu.idtBase = base; cpu.idtBaseHi = baseHi; cpu.idtLimit = limit; }
      return;
    }
    case 4: umip(cpu); cpu.setE16(cpu.cr0); return;
    case 6: priv(cpu); lmsw(cpu, cpu.getE16()); return;
    case 7: { // INVLPG
      priv(cpu);
      if (cpu.long64) { invlpg64(cpu); return; }
      const lin = (cpu.segBase[cpu.eaSeg] + cpu.eaOff) | 0;
      if (cpu.controls?.invlpg) cpu.vmexit(ExitReason.INVLPG, lin >>> 0, 'hypervisor');
      cpu.flushTlbPage(cpu.lma ? lin >>> 0 : lin);
      return;
    }
    default: cpu.fault(UD);
  }
};

/**
 * INVLPG in 64-bit mode: the 64-bit linear address (FS/GS bases count), reported whole in the
 * exit (qualification and its high half). A non-canonical address invalidates nothing and does
 * not fault.
 */
function invlpg64(cpu: ExecCpu): void {
  let lo = cpu.eaOff, hi = cpu.eaOffHi;
  const s = cpu.eaSeg;
  if (s === FS || s === GS) {
    const b = cpu.segBase[s] | 0, sum = (b + lo) | 0;
    hi = (hi + cpu.segBaseHi[s] + ((sum >>> 0) < (b >>> 0) ? 1 : 0)) | 0; lo = sum;
  }
  if (cpu.controls?.invlpg) cpu.vmexit(ExitReason.INVLPG, lo >>> 0, 'hypervisor', { qualificationHi: hi >>> 0 });
  if (canonical(hi)) cpu.flushTlbPage(MemoryAccess.linear(lo, hi));
}

function lmsw(cpu: ExecCpu, v: number): void {
  // LMSW loads MP, EM, TS and PE; it can set PE but never clear it.
  const nv = (cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & 1);
  const c = cpu.controls;
  if (c && ((nv ^ cpu.cr0) & c.cr0Mask & 0xf)) cpu.vmexit(ExitReason.CR_ACCESS, (0 | (3 << 4) | ((v & 0xffff) << 16)) >>> 0, 'hypervisor');
  cpu.writeCr0(nv);
}

/** 0F 02 LAR, 0F 03 LSL. */
const larLsl: Handler = (cpu, op) => {
  const lar = op === 0x02;
  if (!(cpu.cr0 & CR0_PE) || cpu.v86) cpu.fault(UD);
  cpu.modrm();
  const sel = cpu.getE16();
  let ok = false;
  if ((sel & 0xfffc) !== 0 && cpu.readDescriptor(sel)) {
    const hi = cpu.dHi, dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0x1f;
    let valid: boolean;
    if (hi & 0x1000) valid = true;
    else valid = lar ? [1, 2, 3, 4, 5, 9, 0xb, 0xc].includes(type & 0xf) : [1, 2, 3, 9, 0xb].includes(type & 0xf);
    const conforming = (hi & 0x1000) !== 0 && (type & 0xc) === 0xc;
    if (valid && (conforming || (dpl >= cpu.cpl && dpl >= (sel & 3)))) {
      ok = true;
      const bits = cpu.vbits;
      if (lar) cpu.setG(bits, bits === 32 ? hi & 0x00f0ff00 : hi & 0xff00);
      else {
        const lim = ((cpu.dLo & 0xffff) | (hi & 0xf0000));
        const v = hi & 0x800000 ? ((lim << 12) | 0xfff) : lim;
        cpu.setG(bits, v);
      }
    }
  }
  cpu.setArith(ok ? FLAG_ZF : 0, FLAG_ZF);
};

const clts: Handler = (cpu) => {
  priv(cpu);
  if (cpu.controls && (cpu.controls.cr0Mask & CR0_TS)) cpu.vmexit(ExitReason.CR_ACCESS, 0 | (2 << 4), 'hypervisor');
  cpu.cr0 &= ~CR0_TS;
};

const invd: Handler = (cpu) => { priv(cpu); cpu.vmexit(ExitReason.INVD, 0, 'hypervisor'); };
const wbinvd: Handler = (cpu) => { priv(cpu); cpu.vmexit(ExitReason.WBINVD, 0, 'hypervisor'); };

/** 0F 18-1F (but 1A/1B): NOP Ev and the reserved-NOP hint space. */
const hintNop: Handler = (cpu) => cpu.modrm();

/**
 * 0F 20 MOV r, CRn; 0F 22 MOV CRn, r (the ModR/M is always a register form). In 64-bit mode the
 * operand is 64-bit, REX.B reaches R8-R15 and REX.R CR8 (the TPR, long-mode-ops.ts); the
 * qualification names registers 0-15. CR0 and CR4 have no bits above 31 (#GP(0) if set).
 */
const movCr: Handler = (cpu, op) => {
  const toCr = op === 0x22;
  const m = cpu.fetch8();
  const cr = ((m >> 3) & 7) | cpu.rexR, r = (m & 7) | cpu.rexB;
  if (cr === 1 || (cr > 4 && cr !== 8)) cpu.fault(UD);
  priv(cpu);
  if (cr === 8) { if (toCr) writeCr8(cpu, r); else readCr8(cpu, r); return; }
  const regs = cpu.regs;
  const c = cpu.controls;
  const long = cpu.long64;
  if (!toCr) {
    if (cr === 3 && c?.cr3Store) cpu.vmexit(ExitReason.CR_ACCESS, (3 | (1 << 4) | (r << 8)) >>> 0, 'hypervisor');
    // CR2 holds a linear address: long mode's are numbers beyond 32 bits.
    const v = cr === 0 ? cpu.cr0 : cr === 2 ? cpu.cr2 : cr === 3 ? cpu.cr3 : cpu.cr4;
    regs[r] = v;
    if (long) cpu.regsHi[r] = cr === 2 ? linHi(cpu.cr2) : 0;
    return;
  }
  const v = regs[r], hi = long ? cpu.regsHi[r] : 0;
  const q = (cr | (0 << 4) | (r << 8)) >>> 0;
  switch (cr) {
    case 0:
      if (hi) cpu.fault(GP, 0);
      if (c && ((v ^ cpu.cr0) & c.cr0Mask)) cpu.vmexit(ExitReason.CR_ACCESS, q, 'hypervisor', { value: v >>> 0, ...(long ? { valueHi: 0 } : {}) });
      cpu.writeCr0(v);
      break;
    case 2: cpu.cr2 = long ? MemoryAccess.linear(v, hi) : v; break;
    case 3:
      if (c?.cr3Load) cpu.vmexit(ExitReason.CR_ACCESS, q, 'hypervisor', { value: v >>> 0, ...(long ? { valueHi: hi >>> 0 } : {}) });
      cpu.writeCr3(v, hi);
      break;
    default:
      if (hi) cpu.fault(GP, 0);
      if (c && ((v ^ cpu.cr4) & c.cr4Mask)) cpu.vmexit(ExitReason.CR_ACCESS, q, 'hypervisor', { value: v >>> 0, ...(long ? { valueHi: 0 } : {}) });
      cpu.writeCr4(v);
  }
  cpu.invalidateFetch();
};

/** 0F 21 MOV r32, DRn; 0F 23 MOV DRn, r32. */
const movDr: Handler = (cpu, op) => {
  const toDr = op === 0x23;
  const m = cpu.fetch8();
  let dr = (m >> 3) & 7;
  const r = (m & 7) | cpu.rexB;
  if (cpu.rexR) cpu.fault(UD);          // there is no DR8-DR15
  priv(cpu);
  if (dr === 4 || dr === 5) { if (cpu.cr4 & CR4_DE) cpu.fault(UD); dr += 2; }
  if (cpu.controls?.movDr) cpu.vmexit(ExitReason.DR_ACCESS, (dr | (toDr ? 0 : 1 << 4) | (r << 8)) >>> 0, 'hypervisor');
  if (toDr) {
    let v = cpu.regs[r];
    // DR6/DR7 bits 63:32 are reserved; DR0-DR3 keep only the low half (breakpoints are matched on it).
    if (cpu.long64 && dr >= 6 && cpu.regsHi[r]) cpu.fault(GP, 0);
    if (dr === 6) v = (v | 0xffff0ff0) & ~0x1000;
    if (dr === 7) v = (v | 0x400) & ~0xd800;
    cpu.dr[dr] = v;
    if (dr <= 3 || dr === 7) cpu.updateDebugRegisters();
  } else {
    cpu.regs[r] = dr === 6 ? cpu.dr[6] | 0xffff0ff0 : dr === 7 ? cpu.dr[7] | 0x400 : cpu.dr[dr];
    if (cpu.long64) cpu.regsHi[r] = 0;
  }
};

const wrmsrOp: Handler = (cpu) => {
  priv(cpu);
  const regs = cpu.regs;
  const msr = regs[1] >>> 0;
  if (cpu.controls?.msrExits(msr, true)) cpu.vmexit(ExitReason.WRMSR, 0, 'hypervisor', { msr, value: regs[0] >>> 0, valueHi: regs[2] >>> 0 });
  const done = cpu.sink?.writeMsr?.(msr, regs[0] >>> 0, regs[2] >>> 0);
  if (done === false) cpu.fault(GP, 0);
  if (done === undefined) wrmsr(cpu, msr, regs[0], regs[2]);
};

const rdmsrOp: Handler = (cpu) => {
  priv(cpu);
  const regs = cpu.regs;
  const msr = regs[1] >>> 0;
  // An unknown MSR still exits first (so the exit log records which one the guest wanted),
  // and then #GPs as the hypervisor would inject it and as bare hardware raises it.
  const own = cpu.sink?.readMsr?.(msr);
  const known = own === undefined ? msrKnown(cpu, msr) : own !== null;
  const [lo, hi] = own ? own : known ? rdmsr(cpu, msr) : [0, 0];
  if (cpu.controls?.msrExits(msr, false)) cpu.vmexit(ExitReason.RDMSR, 0, 'hypervisor', { msr, value: lo >>> 0, valueHi: hi >>> 0 });
  if (!known) cpu.fault(GP, 0);
  regs[0] = lo; regs[2] = hi;
  zeroHigh(cpu, 0, 2);
};

const rdtsc: Handler = (cpu) => {
  if ((cpu.cr4 & CR4_TSD) && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE)) cpu.fault(GP, 0);
  if (cpu.controls?.rdtsc) cpu.vmexit(ExitReason.RDTSC, 0, 'hypervisor');
  const [lo, hi] = readTsc(cpu);
  cpu.regs[0] = lo; cpu.regs[2] = hi;
  zeroHigh(cpu, 0, 2);
};


/** RDTSCP: RDTSC's checks and exit control (VT-x reports it as reason 51), plus TSC_AUX in ECX. */
function rdtscp(cpu: ExecCpu): void {
  if ((cpu.cr4 & CR4_TSD) && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE)) cpu.fault(GP, 0);
  if (cpu.controls?.rdtsc) cpu.vmexit(ExitReason.RDTSCP, 0, 'hypervisor');
  const [lo, hi] = readTsc(cpu);
  cpu.regs[0] = lo; cpu.regs[2] = hi;
  cpu.regs[1] = cpu.msrs.get(MSR_TSC_AUX)![0];
  zeroHigh(cpu, 0, 2, 1);
}

const rdpmc: Handler = (cpu) => {
  const regs = cpu.regs;
  if (!(cpu.cr4 & CR4_PCE) && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE)) cpu.fault(GP, 0);
  if ((regs[1] >>> 0) > 1) cpu.fault(GP, 0);
  if (cpu.controls?.rdpmc) cpu.vmexit(ExitReason.RDPMC, 0, 'hypervisor');
  regs[0] = 0; regs[2] = 0;
  zeroHigh(cpu, 0, 2);
};

/**
 * SYSENTER. In IA-32e mode it enters 64-bit code (CS.L) with the full 64-bit SYSENTER_ESP and
 * SYSENTER_EIP; elsewhere 32-bit flat code as before.
 */
const sysenter: Handler = (cpu) => {
  const csSel = cpu.msrs.get(MSR_SYSENTER_CS)![0] & 0xffff;
  if (!(cpu.cr0 & CR0_PE) || (csSel & 0xfffc) === 0) cpu.fault(GP, 0);
  cpu.flags &= ~(FLAG_VM | FLAG_IF | FLAG_RF);
  const lma = cpu.lma;
  flatSeg(cpu, CS, csSel & 0xfffc, 0, 0xb, lma);
  flatSeg(cpu, SS, (csSel + 8) & 0xfffc, 0, 0x3, false);
  cpu.setCpl(0);
  const esp = cpu.msrs.get(MSR_SYSENTER_ESP)!, eip = cpu.msrs.get(MSR_SYSENTER_EIP)!;
  cpu.regs[4] = esp[0];
  cpu.eip = eip[0];
  if (lma) { cpu.regsHi[4] = esp[1]; cpu.ripHi = eip[1]; }
  cpu.invalidateFetch();
};

/**
 * SYSEXIT: to ring 3 at EDX with ESP = ECX; in IA-32e mode REX.W returns to 64-bit code
 * (CS = SYSENTER_CS + 32, SS + 40, RIP = RDX and RSP = RCX, both canonical or #GP(0)), without
 * it to compatibility mode (CS + 16, SS + 24).
 */
const sysexit: Handler = (cpu) => {
  const csSel = cpu.msrs.get(MSR_SYSENTER_CS)![0] & 0xffff;
  if (!(cpu.cr0 & CR0_PE) || (csSel & 0xfffc) === 0 || cpu.cpl !== 0) cpu.fault(GP, 0);
  const to64 = cpu.long64 && cpu.o64;
  if (to64 && (!canonical(cpu.regsHi[2]) || !canonical(cpu.regsHi[1]))) cpu.fault(GP, 0);
  const sp = cpu.regs[1], spHi = cpu.regsHi[1], ip = cpu.regs[2], ipHi = cpu.regsHi[2];
  flatSeg(cpu, CS, ((csSel + (to64 ? 32 : 16)) & 0xfffc) | 3, 3, 0xb, to64);
  flatSeg(cpu, SS, ((csSel + (to64 ? 40 : 24)) & 0xfffc) | 3, 3, 0x3, false);
  cpu.setCpl(3);
  cpu.regs[4] = sp;
  cpu.eip = ip;
  if (cpu.lma) { cpu.regsHi[4] = to64 ? spHi : 0; cpu.ripHi = to64 ? ipHi : 0; }
  cpu.invalidateFetch();
};

/** SYSENTER/SYSEXIT load fixed flat 4 GiB segments without reading descriptors. */
function flatSeg(cpu: ExecCpu, s: number, sel: number, dpl: number, type: number, long: boolean): void {
  cpu.segSel[s] = sel;
  cpu.segBase[s] = 0;
  cpu.segBaseHi[s] = 0;
  cpu.segLimit[s] = 0xffffffff;
  // G and D/B, or G and L for a 64-bit code segment.
  cpu.segAttr[s] = (long ? 0xa000 : 0xc000) | 0x80 | (dpl << 5) | 0x10 | type;
  cpu.segUpdated(s);
}

const cpuidOp: Handler = (cpu) => {
  const leaf = cpu.regs[0] >>> 0, subleaf = cpu.regs[1] >>> 0;
  cpu.vmexit(ExitReason.CPUID, 0, 'hypervisor');
  cpuid(cpu);
  cpu.sink?.cpuid?.(leaf, subleaf, cpu.regs);
  zeroHigh(cpu, 0, 1, 2, 3);
};

/** 0F 05 SYSCALL, 0F 07 SYSRET (long-mode-ops.ts). */
const syscallOp: Handler = (cpu) => syscall(cpu);
const sysretOp: Handler = (cpu) => sysret(cpu);

export const SYSTEM_OPS: Family = {
  name: 'system',
  oneByte: { 0x63: arpl, 0x90: nopPause, 0xf4: hlt },
  twoByte: {
    0x00: group6, 0x01: group7, 0x02: larLsl, 0x03: larLsl, 0x06: clts, 0x08: invd, 0x09: wbinvd,
    0x18: hintNop, 0x19: hintNop, 0x1c: hintNop, 0x1d: hintNop, 0x1e: hintNop, 0x1f: hintNop,
    0x20: movCr, 0x21: movDr, 0x22: movCr, 0x23: movDr,
    0x05: syscallOp, 0x07: sysretOp,
    0x30: wrmsrOp, 0x31: rdtsc, 0x32: rdmsrOp, 0x33: rdpmc, 0x34: sysenter, 0x35: sysexit,
    0xa2: cpuidOp,
  },
  map0f38: { 0x82: (cpu) => invpcid(cpu) },
  msrs: [{ index: MSR_TSC_AUX, reset: [0, 0], reserved: [0, -1] }, ...LONG_MSRS],
};
