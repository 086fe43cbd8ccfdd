// The two-byte (0F xx) opcode map: system instructions, conditional moves and sets, bit
// operations, CMPXCHG/XADD, MOVZX/MOVSX, BSWAP, SYSENTER/SYSEXIT, CPUID, RDTSC, MSRs.

// Architectural constants copied in as plain module consts (see constants.ts): imported
// bindings cost a getter call per use when this file is loaded as CommonJS.
const CR0_PE = 1; const CR0_TS = 8; const CR4_DE = 8; const CR4_PCE = 256; const CR4_TSD = 4; const CS = 1;
const FLAG_IF = 512; const FLAG_RF = 65536; const FLAG_VM = 131072; const FLAG_ZF = 64; const FS = 4;
const GP = 13; const GS = 5; const MSR_SYSENTER_CS = 372; const MSR_SYSENTER_EIP = 374; const MSR_SYSENTER_ESP = 373;
const SS = 2; const UD = 6;

const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
import type { Cpu } from './execute';
import { cpuid, rdmsr, readTsc, wrmsr } from './identity';

const EXIT_CPUID = 10;
const EXIT_INVD = 13;
const EXIT_INVLPG = 14;
const EXIT_RDPMC = 15;
const EXIT_RDTSC = 16;
const EXIT_VMCALL = 18;
const EXIT_CR = 28;
const EXIT_DR = 29;
const EXIT_RDMSR = 31;
const EXIT_WRMSR = 32;
const EXIT_MWAIT = 36;
const EXIT_MONITOR = 39;
const EXIT_GDTR_IDTR = 46;
const EXIT_LDTR_TR = 47;
const EXIT_WBINVD = 54;

/** Two-byte opcodes that accept LOCK (with a memory destination). */
const LOCKABLE_0F = new Set([0xab, 0xb3, 0xbb, 0xba, 0xb0, 0xb1, 0xc0, 0xc1, 0xc7]);

function priv(cpu: Cpu): void {
  if ((cpu.cr0 & CR0_PE) && cpu.cpl !== 0) cpu.fault(GP, 0);
}

export function exec0F(cpu: Cpu, op: number): void {
  if (cpu.lock && !LOCKABLE_0F.has(op)) cpu.fault(UD);
  const regs = cpu.regs;
  if (op >= 0x80 && op <= 0x8f) {
    const d = cpu.o32 ? cpu.fetch32() : (cpu.fetch16() << 16) >> 16;
    if (cpu.cond(op & 15)) cpu.jumpRel(d);
    return;
  }
  if (op >= 0x40 && op <= 0x4f) {
    cpu.modrm();
    const bits = cpu.vbits;
    const v = cpu.getE(bits);   // the source is read (and may fault) even when the condition is false
    if (cpu.cond(op & 15)) cpu.setG(bits, v);
    return;
  }
  if (op >= 0x90 && op <= 0x9f) {
    cpu.modrm();
    cpu.setE8(cpu.cond(op & 15) ? 1 : 0);
    return;
  }
  if (op >= 0xc8 && op <= 0xcf) {
    const r = op & 7;
    if (cpu.o32) { const v = regs[r]; regs[r] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24); }
    else cpu.r16[r << 1] = 0; // BSWAP r16 is undefined; hardware clears it
    return;
  }
  switch (op) {
    case 0x00: group6(cpu); return;
    case 0x01: group7(cpu); return;
    case 0x02: case 0x03: larLsl(cpu, op === 0x02); return;
    case 0x06:
      priv(cpu);
      if (cpu.controls && (cpu.controls.cr0Mask & CR0_TS)) cpu.vmexit(EXIT_CR, 0 | (2 << 4), 'hypervisor');
      cpu.cr0 &= ~CR0_TS; return;
    case 0x08: priv(cpu); cpu.vmexit(EXIT_INVD, 0, 'hypervisor'); return;
    case 0x09: priv(cpu); cpu.vmexit(EXIT_WBINVD, 0, 'hypervisor'); return;
    case 0x0b: case 0xb9: cpu.fault(UD);
    case 0x18: case 0x19: case 0x1c: case 0x1d: case 0x1e: case 0x1f: cpu.modrm(); return; // NOP Ev and the reserved-NOP hint space
    case 0x20: case 0x22: movCr(cpu, op === 0x22); return;
    case 0x21: case 0x23: movDr(cpu, op === 0x23); return;
    case 0x30: {
      priv(cpu);
      const msr = regs[1] >>> 0;
      if (cpu.controls?.msrExits(msr, true)) cpu.vmexit(EXIT_WRMSR, 0, 'hypervisor', { msr, value: regs[0] >>> 0 });
      wrmsr(cpu, msr, regs[0], regs[2]);
      return;
    }
    case 0x31: {
      if ((cpu.cr4 & CR4_TSD) && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE)) cpu.fault(GP, 0);
      if (cpu.controls?.rdtsc) cpu.vmexit(EXIT_RDTSC, 0, 'hypervisor');
      const [lo, hi] = readTsc(cpu);
      regs[0] = lo; regs[2] = hi;
      return;
    }
    case 0x32: {
      priv(cpu);
      const msr = regs[1] >>> 0;
      const [lo, hi] = rdmsr(cpu, msr);
      if (cpu.controls?.msrExits(msr, false)) cpu.vmexit(EXIT_RDMSR, 0, 'hypervisor', { msr, value: lo >>> 0 });
      regs[0] = lo; regs[2] = hi;
      return;
    }
    case 0x33: {
      if (!(cpu.cr4 & CR4_PCE) && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE)) cpu.fault(GP, 0);
      if ((regs[1] >>> 0) > 1) cpu.fault(GP, 0);
      if (cpu.controls?.rdpmc) cpu.vmexit(EXIT_RDPMC, 0, 'hypervisor');
      regs[0] = 0; regs[2] = 0;
      return;
    }
    case 0x34: sysenter(cpu); return;
    case 0x35: sysexit(cpu); return;
    case 0xa0: cpu.pushV(cpu.segSel[FS]); return;
    case 0xa8: cpu.pushV(cpu.segSel[GS]); return;
    case 0xa1: case 0xa9: {
      const s = op === 0xa1 ? FS : GS;
      const v = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
      cpu.loadSeg(s, v & 0xffff); cpu.spAdd(cpu.o32 ? 4 : 2);
      return;
    }
    case 0xa2:
      cpu.vmexit(EXIT_CPUID, 0, 'hypervisor');
      cpuid(cpu);
      return;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: bitOp(cpu, op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, false); return;
    case 0xba: bitOp(cpu, -1, true); return;
    case 0xae:
      // LFENCE / MFENCE / SFENCE (register forms of group 15): ordering only, nothing to do on
      // one in-order CPU. Real PV kernels (GRUB's i386-xen image) issue MFENCE unconditionally.
      cpu.modrm();
      if (cpu.mod !== 3 || cpu.reg < 5 || cpu.rep || cpu.o32 !== cpu.cs32) cpu.fault(UD);   // prefixed forms are other instructions
      return;
    case 0xa4: case 0xa5: case 0xac: case 0xad: shiftDouble(cpu, op >= 0xac, (op & 1) === 0); return;
    case 0xaf: {
      cpu.modrm(); const bits = cpu.vbits;
      cpu.setG(bits, cpu.imulTrunc(cpu.getG(bits), cpu.getE(bits), bits));
      return;
    }
    case 0xb0: case 0xb1: {
      cpu.modrm();
      if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
      const bits = op === 0xb0 ? 8 : cpu.vbits;
      const d = cpu.getE(bits);
      const acc = cpu.getR(bits, 0);
      if (acc === d) {
        cpu.setE(bits, cpu.getG(bits));
      } else {
        if (cpu.mod !== 3) cpu.setE(bits, d);  // the destination is always written back
        cpu.setR(bits, 0, d);
      }
      cpu.alu(7, acc, d, bits);
      return;
    }
    case 0xb2: cpu.loadFarPointer(SS); return;
    case 0xb4: cpu.loadFarPointer(FS); return;
    case 0xb5: cpu.loadFarPointer(GS); return;
    case 0xb6: cpu.modrm(); cpu.setG(cpu.vbits, cpu.getE8()); return;
    case 0xb7: cpu.modrm(); cpu.setG(cpu.vbits, cpu.getE16()); return;
    case 0xbe: cpu.modrm(); cpu.setG(cpu.vbits, (cpu.getE8() << 24) >> 24); return;
    case 0xbf: cpu.modrm(); cpu.setG(cpu.vbits, (cpu.getE16() << 16) >> 16); return;
    case 0xbc: case 0xbd: {
      cpu.modrm(); const bits = cpu.vbits;
      const v = cpu.getE(bits);
      if (v === 0) { cpu.setArith(FLAG_ZF, FLAG_ZF); return; }
      const idx = op === 0xbc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v);
      cpu.setG(bits, idx);
      cpu.setResultFlags(idx, bits, 0, 0, 0);
      cpu.setArith(0, FLAG_ZF);
      return;
    }
    case 0xc0: case 0xc1: {
      cpu.modrm();
      if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
      const bits = op === 0xc0 ? 8 : cpu.vbits;
      const d = cpu.getE(bits), s = cpu.getG(bits);
      const m = SIZE_MASK[bits >> 3];
      const sum = ((d + s) & m) >>> 0;
      if (cpu.mod !== 3) cpu.setE(bits, sum);
      cpu.setG(bits, d);
      if (cpu.mod === 3) cpu.setE(bits, sum);
      cpu.alu(0, d, s, bits);
      return;
    }
    case 0xc7: {
      cpu.modrm();
      if (cpu.reg !== 1 || cpu.mod === 3) cpu.fault(UD);
      const lo = cpu.rd32(cpu.eaLin(4, false)), hi = cpu.rd32(cpu.eaLin(4, false, 4));
      if (lo === regs[0] && hi === regs[2]) {
        cpu.probeWrite(cpu.eaLin(8, true), 8);
        cpu.wr32(cpu.eaLin(4, true), regs[3]); cpu.wr32(cpu.eaLin(4, true, 4), regs[1]);
        cpu.setArith(FLAG_ZF, FLAG_ZF);
      } else {
        cpu.probeWrite(cpu.eaLin(8, true), 8);
        cpu.wr32(cpu.eaLin(4, true), lo); cpu.wr32(cpu.eaLin(4, true, 4), hi);
        regs[0] = lo; regs[2] = hi;
        cpu.setArith(0, FLAG_ZF);
      }
      return;
    }
    default:
      cpu.fault(UD);
  }
}

function group6(cpu: Cpu): void {
  cpu.modrm();
  const reg = cpu.reg;
  if (!(cpu.cr0 & CR0_PE) && reg !== 7) cpu.fault(UD);
  switch (reg) {
    case 0: case 1: { // SLDT, STR
      if (cpu.controls?.descriptorTable) cpu.vmexit(EXIT_LDTR_TR, 0, 'hypervisor');
      const v = reg === 0 ? cpu.ldtSel : cpu.trSel;
      if (cpu.mod === 3 && cpu.o32) cpu.regs[cpu.rm] = v; else cpu.setE16(v);
      return;
    }
    case 2: case 3: {
      priv(cpu);
      const sel = cpu.getE16();
      if (cpu.controls?.descriptorTable) cpu.vmexit(EXIT_LDTR_TR, 0, 'hypervisor');
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
}

function group7(cpu: Cpu): void {
  const m = cpu.fetch8();
  cpu.mod = m >> 6; cpu.reg = (m >> 3) & 7; cpu.rm = m & 7;
  const regs = cpu.regs;
  if (cpu.mod === 3) {
    // These register forms take no operand-size or REP prefix (with one they are other instructions).
    if ((m === 0xc1 || m === 0xc8 || m === 0xc9) && (cpu.rep || cpu.o32 !== cpu.cs32)) cpu.fault(UD);
    switch (m) {
      case 0xc1: // VMCALL
        if (!cpu.sink) cpu.fault(UD);
        cpu.vmexit(EXIT_VMCALL, 0, 'kvm');
        return;
      case 0xc8: case 0xc9: // MONITOR, MWAIT: not advertised by CPUID; an intercepting hypervisor treats them as NOP
        if (!cpu.controls?.monitorMwait) cpu.fault(UD);
        priv(cpu);
        cpu.vmexit(m === 0xc8 ? EXIT_MONITOR : EXIT_MWAIT, 0, 'hypervisor');
        return;
    }
    if (cpu.reg === 4) { // SMSW r
      if (cpu.o32) regs[cpu.rm] = cpu.cr0; else cpu.r16[cpu.rm << 1] = cpu.cr0;
      return;
    }
    if (cpu.reg === 6) { priv(cpu); lmsw(cpu, cpu.r16[cpu.rm << 1]); return; }
    cpu.fault(UD);
  }
  // Memory forms: finish decoding the address now that mod/rm are known.
  cpu.ea();
  switch (cpu.reg) {
    case 0: case 1: { // SGDT, SIDT
      if (cpu.controls?.descriptorTable) cpu.vmexit(EXIT_GDTR_IDTR, 0, 'hypervisor');
      const limit = cpu.reg === 0 ? cpu.gdtLimit : cpu.idtLimit;
      const base = cpu.reg === 0 ? cpu.gdtBase : cpu.idtBase;
      cpu.probeWrite(cpu.eaLin(6, true), 6);
      cpu.wr16(cpu.eaLin(2, true), limit);
      cpu.wr32(cpu.eaLin(4, true, 2), base);
      return;
    }
    case 2: case 3: { // LGDT, LIDT
      priv(cpu);
      const limit = cpu.rd16(cpu.eaLin(2, false));
      let base = cpu.rd32(cpu.eaLin(4, false, 2));
      if (!cpu.o32) base &= 0xffffff;
      if (cpu.controls?.descriptorTable) cpu.vmexit(EXIT_GDTR_IDTR, 0, 'hypervisor');
      if (cpu.reg === 2) { cpu.gdtBase = base; cpu.gdtLimit = limit; } else { cpu.idtBase = base; cpu.idtLimit = limit; }
      return;
    }
    case 4: cpu.setE16(cpu.cr0); return;
    case 6: priv(cpu); lmsw(cpu, cpu.getE16()); return;
    case 7: { // INVLPG
      priv(cpu);
      const lin = (cpu.segBase[cpu.eaSeg] + cpu.eaOff) | 0;
      if (cpu.controls?.invlpg) cpu.vmexit(EXIT_INVLPG, lin >>> 0, 'hypervisor');
      cpu.flushTlbPage(lin);
      return;
    }
    default: cpu.fault(UD);
  }
}

function lmsw(cpu: Cpu, v: number): void {
  // LMSW loads MP, EM, TS and PE; it can set PE but never clear it.
  const nv = (cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & 1);
  const c = cpu.controls;
  if (c && ((nv ^ cpu.cr0) & c.cr0Mask & 0xf)) cpu.vmexit(EXIT_CR, (0 | (3 << 4) | ((v & 0xffff) << 16)) >>> 0, 'hypervisor');
  cpu.writeCr0(nv);
}

function larLsl(cpu: Cpu, lar: boolean): void {
  if (!(cpu.cr0 & CR0_PE)) cpu.fault(UD);
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
}

function movCr(cpu: Cpu, toCr: boolean): void {
  const m = cpu.fetch8();
  const cr = (m >> 3) & 7, r = m & 7;
  if (cr === 1 || cr > 4) cpu.fault(UD);
  priv(cpu);
  const regs = cpu.regs;
  const c = cpu.controls;
  if (!toCr) {
    if (cr === 3 && c?.cr3Store) cpu.vmexit(EXIT_CR, (3 | (1 << 4) | (r << 8)) >>> 0, 'hypervisor');
    regs[r] = cr === 0 ? cpu.cr0 : cr === 2 ? cpu.cr2 : cr === 3 ? cpu.cr3 : cpu.cr4;
    return;
  }
  const v = regs[r];
  const q = (cr | (0 << 4) | (r << 8)) >>> 0;
  switch (cr) {
    case 0:
      if (c && ((v ^ cpu.cr0) & c.cr0Mask)) cpu.vmexit(EXIT_CR, q, 'hypervisor', { value: v >>> 0 });
      cpu.writeCr0(v);
      break;
    case 2: cpu.cr2 = v; break;
    case 3:
      if (c?.cr3Load) cpu.vmexit(EXIT_CR, q, 'hypervisor', { value: v >>> 0 });
      cpu.writeCr3(v);
      break;
    default:
      if (c && ((v ^ cpu.cr4) & c.cr4Mask)) cpu.vmexit(EXIT_CR, q, 'hypervisor', { value: v >>> 0 });
      cpu.writeCr4(v);
  }
  cpu.invalidateFetch();
}

function movDr(cpu: Cpu, toDr: boolean): void {
  const m = cpu.fetch8();
  let dr = (m >> 3) & 7;
  const r = m & 7;
  priv(cpu);
  if (dr === 4 || dr === 5) { if (cpu.cr4 & CR4_DE) cpu.fault(UD); dr += 2; }
  if (cpu.controls?.movDr) cpu.vmexit(EXIT_DR, (dr | (toDr ? 0 : 1 << 4) | (r << 8)) >>> 0, 'hypervisor');
  if (toDr) {
    let v = cpu.regs[r];
    if (dr === 6) v = (v | 0xffff0ff0) & ~0x1000;
    if (dr === 7) v = (v | 0x400) & ~0xd800;
    cpu.dr[dr] = v;
    if (dr <= 3 || dr === 7) cpu.updateDebugRegisters();
  } else {
    cpu.regs[r] = dr === 6 ? cpu.dr[6] | 0xffff0ff0 : dr === 7 ? cpu.dr[7] | 0x400 : cpu.dr[dr];
  }
}

function bitOp(cpu: Cpu, op: number, immForm: boolean): void {
  cpu.modrm();
  const bits = cpu.vbits;
  if (immForm) {
    if (cpu.reg < 4) cpu.fault(UD);
    op = cpu.reg - 4;
  }
  if (cpu.lock && (op === 0 || cpu.mod === 3)) cpu.fault(UD);
  let off: number;
  let lin = 0;
  if (immForm) off = cpu.fetch8() & (bits - 1);
  else off = bits === 32 ? cpu.regs[cpu.reg] : (cpu.r16[cpu.reg << 1] << 16) >> 16;
  let v: number, bit: number;
  if (cpu.mod === 3) {
    bit = off & (bits - 1);
    v = cpu.getR(bits, cpu.rm);
  } else {
    // A register bit offset addresses memory beyond the operand (signed, in operand-size units).
    const n = bits >> 3;
    const disp = immForm ? 0 : Math.floor(off / bits) * n;
    bit = immForm ? off : off & (bits - 1);
    const eoff = cpu.a32 ? (cpu.eaOff + disp) | 0 : (cpu.eaOff + disp) & 0xffff;
    lin = cpu.lin(cpu.eaSeg, eoff, n, op !== 0);
    v = bits === 32 ? cpu.rd32(lin) >>> 0 : cpu.rd16(lin);
  }
  const cf = (v >>> bit) & 1;
  let nv = v;
  if (op === 1) nv = v | (1 << bit);
  else if (op === 2) nv = v & ~(1 << bit);
  else if (op === 3) nv = v ^ (1 << bit);
  if (op !== 0) {
    if (cpu.mod === 3) cpu.setR(bits, cpu.rm, nv);
    else if (bits === 32) cpu.wr32(lin, nv); else cpu.wr16(lin, nv);
  }
  cpu.setArith(cf, 1);
}

function shiftDouble(cpu: Cpu, right: boolean, imm: boolean): void {
  cpu.modrm();
  const bits = cpu.vbits;
  const cnt = (imm ? cpu.fetch8() : cpu.r8[4]) & 31;
  const d = cpu.getE(bits);
  if (cnt === 0) return;
  const s = cpu.getG(bits);
  const m = SIZE_MASK[bits >> 3];
  let r: number, cf: number;
  if (bits === 32) {
    if (right) { r = ((d >>> cnt) | (s << (32 - cnt))) >>> 0; cf = (d >>> (cnt - 1)) & 1; }
    else { r = ((d << cnt) | (s >>> (32 - cnt))) >>> 0; cf = (d >>> (32 - cnt)) & 1; }
  } else {
    // 16-bit operands with counts above 16 shift through the pattern d:s:d, as Intel parts do.
    if (right) {
      const big = (d * 0x100000000) + (s * 0x10000) + d;   // d:s:d as 48 bits
      r = Math.floor(big / 2 ** cnt) % 0x10000;
      cf = Math.floor(big / 2 ** (cnt - 1)) % 2;
    } else {
      const big = (d * 0x100000000) + (s * 0x10000) + d;
      r = Math.floor((big * 2 ** cnt) / 0x100000000) % 0x10000;
      cf = Math.floor((big * 2 ** (cnt - 1)) / 0x800000000000) % 2;
    }
  }
  r = (r & m) >>> 0;
  cpu.setE(bits, r);
  const of = ((r ^ d) >>> (bits - 1)) & 1;
  cpu.setResultFlags(r, bits, cf, of, 0);
}

function sysenter(cpu: Cpu): void {
  const csSel = cpu.msrs.get(MSR_SYSENTER_CS)![0] & 0xffff;
  if (!(cpu.cr0 & CR0_PE) || (csSel & 0xfffc) === 0) cpu.fault(GP, 0);
  cpu.flags &= ~(FLAG_VM | FLAG_IF | FLAG_RF);
  flatSeg(cpu, CS, csSel & 0xfffc, 0, 0xb);
  flatSeg(cpu, SS, (csSel + 8) & 0xfffc, 0, 0x3);
  cpu.setCpl(0);
  cpu.regs[4] = cpu.msrs.get(MSR_SYSENTER_ESP)![0];
  cpu.eip = cpu.msrs.get(MSR_SYSENTER_EIP)![0];
}

function sysexit(cpu: Cpu): void {
  const csSel = cpu.msrs.get(MSR_SYSENTER_CS)![0] & 0xffff;
  if (!(cpu.cr0 & CR0_PE) || (csSel & 0xfffc) === 0 || cpu.cpl !== 0) cpu.fault(GP, 0);
  flatSeg(cpu, CS, ((csSel + 16) & 0xfffc) | 3, 3, 0xb);
  flatSeg(cpu, SS, ((csSel + 24) & 0xfffc) | 3, 3, 0x3);
  cpu.setCpl(3);
  cpu.regs[4] = cpu.regs[1];
  cpu.eip = cpu.regs[2];
}

/** SYSENTER/SYSEXIT load fixed flat 4 GiB segments without reading descriptors. */
function flatSeg(cpu: Cpu, s: number, sel: number, dpl: number, type: number): void {
  cpu.segSel[s] = sel;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = 0xffffffff;
  cpu.segAttr[s] = 0xc000 | 0x80 | (dpl << 5) | 0x10 | type;
  cpu.segUpdated(s);
}

