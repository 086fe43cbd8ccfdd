// The iret hypercall of a 64-bit PV guest (Xen's do_iret for x86_64). The hypercall page's
// slot 23 pushes RCX, R11 and RAX and makes the SYSCALL, so the stack holds struct
// iret_context: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss. A CS with RPL 3 returns to
// user mode (toggle_guest_mode: the user's page tables and GS base; a guest without user
// page tables is crashed); the selectors get RPL 3 whatever was asked; IF in RFLAGS becomes
// !upcall_mask; VGCF_in_syscall in `flags` returns as SYSRET would, leaving RCX = RIP and
// R11 = RFLAGS instead of the frame's values. A return Xen's own IRET would fault on (a
// selector that does not load, a non-canonical RIP) goes to the failsafe callback.

import * as Cpu from '../cpu';
import * as Abi64 from './abi64';
import type { PvDomain } from './domain';
import { failsafe64, reg64 } from './entry64';
import { toggleGuestMode } from './vcpu64';

// Imported bindings read once at load: under tsx each use of one would be a getter call, and
// this is every event's return path.
const { CS, SS } = Cpu;
const F = { ...Abi64.IRET_CONTEXT };
const VGCF_in_syscall = Abi64.VGCF_in_syscall;
const FLAG_IF = 0x200, FLAG_IOPL = 0x3000, FLAG_VM = 0x20000;
/** RFLAGS bits a return may set (the architectural ones, as IRETQ loads them). */
const RFLAGS_MASK = 0x3f7fd5;

export function iret64(d: PvDomain): void {
  const cpu = d.cpu, a = d.access, v = d.v64;
  const sp = reg64(d, 4);
  let rax: [number, number], r11: [number, number], rcx: [number, number];
  let flags: number, rip: [number, number], cs: number, rflags: number, rsp: [number, number], ss: number;
  try {
    // The whole context is usually in one page: one walk, then plain reads.
    const p = a.physSpan(sp, F.SIZE, false);
    if (p < 0) a.checkReadable(sp, F.SIZE);
    const mem = d.mem;
    const q = p >= 0
      ? (off: number): [number, number] => [mem.read(p + off, 4) >>> 0, mem.read(p + off + 4, 4) >>> 0]
      : (off: number): [number, number] => [a.u32(sp + off), a.u32(sp + off + 4)];
    rax = q(F.rax); r11 = q(F.r11); rcx = q(F.rcx);
    flags = q(F.flags)[0];
    rip = q(F.rip);  // halves: a non-canonical RIP goes whole into the failsafe frame
    cs = q(F.cs)[0] & 0xffff;
    rflags = q(F.rflags)[0];
    rsp = q(F.rsp);  // loaded as is, canonical or not (only a use of it faults)
    ss = q(F.ss)[0] & 0xffff;
  } catch {
    d.crash(`iret hypercall: fault while reading the iret context at 0x${BigInt.asUintN(64, BigInt(sp)).toString(16)}`);
    return;
  }
  if ((cs & 3) === 3 && v.kernelMode) {
    if (v.userTable === 0) { d.crash('iret hypercall: switching to user mode with no user page tables'); return; }
    toggleGuestMode(cpu, v);
  }
  if (d.architecturalIopl) d.iopl = (rflags >>> 12) & 3;
  const newFlags = ((rflags & ~(FLAG_IOPL | FLAG_VM)) & RFLAGS_MASK) | FLAG_IF | 2;
  cpu.setRip(rip[0] | 0, rip[1] | 0);
  cpu.invalidateFetch();
  cpu.regs[4] = rsp[0]; cpu.regsHi[4] = rsp[1];
  cpu.flags = newFlags; cpu.ccOp = 0;
  if (!(flags & VGCF_in_syscall)) {
    cpu.regs[11] = r11[0]; cpu.regsHi[11] = r11[1];
    cpu.regs[1] = rcx[0]; cpu.regsHi[1] = rcx[1];
  } else {
    cpu.regs[1] = rip[0] | 0; cpu.regsHi[1] = rip[1] | 0;
    cpu.regs[11] = newFlags; cpu.regsHi[11] = 0;
  }
  d.events.upcallMask = (rflags & FLAG_IF) === 0;
  cpu.regs[0] = rax[0]; cpu.regsHi[0] = rax[1];
  // Canonical: bits 63-47 all equal.
  const top = rip[1] >>> 15, canonical = top === 0 || top === 0x1ffff;
  if (!canonical || !d.loadSegment(CS, cs | 3, 3) || !d.loadSegment(SS, ss | 3, 3)) {
    failsafe64(d, `iret hypercall: cannot return to ${(cs | 3).toString(16)}:0x${((BigInt(rip[1]) << 32n) | BigInt(rip[0])).toString(16)} (SS 0x${(ss | 3).toString(16)})`,
      { cs: cs | 3, ss: ss | 3 });
  }
}
