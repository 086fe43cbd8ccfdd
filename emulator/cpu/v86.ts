// Virtual-8086 mode and the virtual interrupt flag, as the IOPL-sensitive instructions see
// them: CLI/STI, PUSHF/POPF, INT n and IRET in V86 mode (IOPL < 3 is #GP(0) unless CR4.VME
// virtualises them), the interrupt redirection bitmap of CR4.VME, and CR4.PVI for CLI/STI
// at CPL 3 in protected mode. The V86 interrupt frame and the IRET that enters V86 mode are
// delivery paths and live in system.ts.

import * as K from './constants';
import type { ExecCpu } from './handler';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CR4_VME, CR4_PVI, FLAG_IF, FLAG_TF, FLAG_RF, FLAG_VM, FLAG_VIF, FLAG_VIP, FLAGS_FIXED, CS, GP } = K;

const IOPL_MASK = 0x3000;

/**
 * VIF stands in for IF: V86 mode with CR4.VME, or CPL 3 protected mode with CR4.PVI, in
 * both cases only while IOPL < 3 (at IOPL 3 the instructions change IF itself).
 */
function virtualIf(cpu: ExecCpu): boolean {
  if (cpu.iopl() === 3) return false;
  if (cpu.flags & FLAG_VM) return (cpu.cr4 & CR4_VME) !== 0;
  return cpu.cpl === 3 && (cpu.cr4 & CR4_PVI) !== 0;
}

/** CLI at CPL > IOPL: clears VIF under VME/PVI, #GP(0) otherwise. */
export function cliSensitive(cpu: ExecCpu): void {
  if (!virtualIf(cpu)) cpu.fault(GP, 0);
  cpu.flags &= ~FLAG_VIF;
}

/** STI at CPL > IOPL: sets VIF under VME/PVI unless a virtual interrupt is pending (VIP). */
export function stiSensitive(cpu: ExecCpu): void {
  if (!virtualIf(cpu) || (cpu.flags & FLAG_VIP)) cpu.fault(GP, 0);
  cpu.flags |= FLAG_VIF;
}

/**
 * PUSHF in V86 mode at IOPL < 3: with VME a 16-bit PUSHF pushes FLAGS with VIF in the IF
 * position and IOPL reading 3, so the 8086 program sees the flags it expects.
 */
export function pushfV86(cpu: ExecCpu): void {
  if (!(cpu.cr4 & CR4_VME) || cpu.o32) cpu.fault(GP, 0);
  const f = cpu.getFlags();
  cpu.push16(((f & 0xffff & ~FLAG_IF) | (f & FLAG_VIF ? FLAG_IF : 0) | IOPL_MASK) & 0xffff);
}

/** POPF in V86 mode. At IOPL 3 it is POPF at CPL 3 (IOPL, VM, VIF, VIP kept); below, VME or #GP(0). */
export function popfV86(cpu: ExecCpu): void {
  if (cpu.iopl() === 3) return popfPlain(cpu);
  if (!(cpu.cr4 & CR4_VME) || cpu.o32) cpu.fault(GP, 0);
  const v = cpu.peek16(0);
  // Setting IF with a virtual interrupt pending, or setting TF, is for the monitor to see.
  if (((v & FLAG_IF) && (cpu.flags & FLAG_VIP)) || (v & FLAG_TF)) cpu.fault(GP, 0);
  cpu.spAdd(2);
  const keep = ~0xffff | IOPL_MASK | FLAG_IF;
  const cur = cpu.getFlags();
  cpu.flags = ((cur & keep) | (v & ~keep & 0x7fd5) | FLAGS_FIXED) & ~FLAG_VIF | (v & FLAG_IF ? FLAG_VIF : 0);
  cpu.ccOp = 0;
  cpu.attn = true;
}

function popfPlain(cpu: ExecCpu): void {
  const v = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
  cpu.spAdd(cpu.o32 ? 4 : 2);
  const oldIf = cpu.flags & FLAG_IF;
  cpu.writeFlags(v, cpu.o32 ? 0xffffffff : 0xffff, cpu.cpl, false);
  if (!oldIf && (cpu.flags & FLAG_IF)) cpu.irqPoll = true;
  cpu.attn = true;
}

/** The TSS's interrupt redirection bitmap (the 32 bytes below the I/O map base): bit set = not redirected. */
function redirectionBit(cpu: ExecCpu, vector: number): number {
  const type = cpu.trAttr & 0xf;
  if ((type !== 9 && type !== 0xb) || cpu.trLimit < 0x67) cpu.fault(GP, 0);
  const mapBase = cpu.rdSys16((cpu.trBase + 0x66) | 0);
  const at = mapBase - 32 + (vector >>> 3);
  if (at < 0 || at > cpu.trLimit) cpu.fault(GP, 0);
  return (cpu.rdSys8((cpu.trBase + at) | 0) >>> (vector & 7)) & 1;
}

/**
 * INT n (CD) in V86 mode. Returns true when handled here: with VME and the vector's bit
 * clear in the redirection bitmap, the interrupt goes through the 8086 program's own IVT at
 * linear 0, as in real mode, with VIF in the pushed IF at IOPL < 3. Otherwise IOPL < 3 is
 * #GP(0) and IOPL 3 goes to the protected-mode handler (returns false).
 */
export function intV86(cpu: ExecCpu, vector: number): boolean {
  if ((cpu.cr4 & CR4_VME) && !redirectionBit(cpu, vector)) {
    const ip = cpu.rd16(vector * 4);
    const cs = cpu.rd16(vector * 4 + 2);
    const f = cpu.getFlags();
    const iopl3 = cpu.iopl() === 3;
    const image = iopl3 ? f & 0xffff : ((f & 0xffff & ~FLAG_IF) | (f & FLAG_VIF ? FLAG_IF : 0) | IOPL_MASK);
    const sp = cpu.regs[4];
    try {
      cpu.push16(image); cpu.push16(cpu.segSel[CS]); cpu.push16(cpu.eip);
    } catch (e) { cpu.regs[4] = sp; throw e; }
    cpu.flags &= ~(FLAG_TF | (iopl3 ? FLAG_IF : FLAG_VIF));
    cpu.ccOp = 0;
    cpu.loadSeg(CS, cs);
    cpu.eip = ip;
    cpu.attn = true;
    return true;
  }
  if (cpu.iopl() < 3) cpu.fault(GP, 0);
  return false;
}

/**
 * IRET in V86 mode. At IOPL 3 it pops like real mode but cannot change IOPL, VM, VIF or VIP.
 * Below IOPL 3 only a 16-bit IRET under VME runs, with the popped IF going to VIF.
 */
export function iretV86(cpu: ExecCpu): void {
  const o32 = cpu.o32;
  const iopl3 = cpu.iopl() === 3;
  if (!iopl3 && (!(cpu.cr4 & CR4_VME) || o32)) cpu.fault(GP, 0);
  const eip = o32 ? cpu.peek32(0) : cpu.peek16(0);
  const cs = (o32 ? cpu.peek32(4) : cpu.peek16(2)) & 0xffff;
  const fl = o32 ? cpu.peek32(8) : cpu.peek16(4);
  if ((eip >>> 0) > 0xffff) cpu.fault(GP, 0);
  if (!iopl3 && (((fl & FLAG_IF) && (cpu.flags & FLAG_VIP)) || (fl & FLAG_TF))) cpu.fault(GP, 0);
  cpu.spAdd(o32 ? 12 : 6);
  cpu.loadSeg(CS, cs);
  cpu.eip = eip;
  const cur = cpu.getFlags();
  let change = (o32 ? 0x3f7fd5 : 0x7fd5) & ~(IOPL_MASK | FLAG_VM | FLAG_VIF | FLAG_VIP);
  if (!iopl3) change &= ~FLAG_IF;
  let nf = (cur & ~change) | (fl & change) | FLAGS_FIXED;
  if (!iopl3) nf = (nf & ~FLAG_VIF) | (fl & FLAG_IF ? FLAG_VIF : 0);
  cpu.flags = nf & ~FLAG_RF | (o32 ? fl & FLAG_RF : 0);
  cpu.ccOp = 0;
  cpu.attn = true;
}
