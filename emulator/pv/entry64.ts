// How the hypervisor enters a 64-bit PV kernel: Xen's x86_64 create_bounce_frame and the
// paths that use it (exceptions through the trap table, event upcalls, the failsafe
// callback, a user-mode SYSCALL bounced to the kernel's syscall callback). Coming from user
// mode switches to kernel mode first (toggle_guest_mode: the kernel's page tables, its GS
// base) and puts the frame on the stack given to stack_switch; from kernel mode the frame
// goes on the current stack and the saved CS has its RPL cleared, which is how a 64-bit
// guest tells the two apart. The frame, 16-byte aligned, from the new RSP up:
//   RCX, R11, [error code | DS, ES, FS, GS (failsafe)], RIP, CS | saved upcall mask << 32,
//   RFLAGS (IF = !saved mask), RSP, SS
// and the kernel resumes at the callback with CS/SS = FLAT_KERNEL_CS/SS, RCX and R11 as a
// SYSRET leaves them (the handler's RIP and RFLAGS): the guest reloads both from the frame.

import * as Cpu from '../cpu';
import * as Kinds from '../trace/record-kinds';
import * as Abi64 from './abi64';
import * as Abi from './abi';
import type { PvDomain } from './domain';
import { GP, PF, UD } from './domain';
import { joinAddress, splitValue } from './hypercall-args';
import { toggleGuestMode } from './vcpu64';

// Imported bindings read once at load (under tsx each use would be a getter call; this is the
// path of every trap bounce and event upcall).
const { CS, SS, DS, ES, FS, GS } = Cpu;
const { FLAT_KERNEL_CS64, FLAT_KERNEL_SS64, HYPERVISOR_VIRT_END_64, HYPERVISOR_VIRT_START_64 } = Abi64;
const { TI_DPL_MASK, TI_IF } = Abi;
const PvKind = { ...Kinds.PvKind };
const FLAG_TF = 0x100, FLAG_IF = 0x200, FLAG_DF = 0x400, FLAG_IOPL = 0x3000, FLAG_NT = 0x4000, FLAG_RF = 0x10000,
  FLAG_VM = 0x20000, FLAG_AC = 0x40000;
/** vcpu_info.arch.cr2 of a 64-bit guest (an unsigned long after the 8-byte pending selector). */
const VI64_CR2 = 16;

/** A register holding an address (exact for canonical ones); a data register is read as its two halves. */
export function reg64(d: PvDomain, r: number): number { return joinAddress(d.cpu.regs[r], d.cpu.regsHi[r]); }

export function setReg64(d: PvDomain, r: number, v: number): void {
  const [lo, hi] = splitValue(v);
  d.cpu.regs[r] = lo;
  d.cpu.regsHi[r] = hi;
}

export function rip64(d: PvDomain): number { return joinAddress(d.cpu.eip, d.cpu.ripHi); }

export function setRip64(d: PvDomain, v: number): void {
  const [lo, hi] = splitValue(v);
  d.cpu.setRip(lo, hi);
  d.cpu.invalidateFetch();
}

/** Whether a guest stack address may hold a frame: canonical and outside Xen's range (with room for the frame). */
function stackOk(sp: number): boolean {
  return Number.isInteger(sp) && sp <= 2 ** 47 && sp > -(2 ** 47) && !(sp > HYPERVISOR_VIRT_START_64 && sp < HYPERVISOR_VIRT_END_64 + 64);
}

/**
 * create_bounce_frame: the frame on the kernel stack and the jump to `target`. Returns false
 * after crashing the domain when it cannot be done (no handler, a bad or unwritable stack).
 */
export function bounce64(d: PvDomain, target: number, errorCode: number, maskEvents: boolean, failsafe: boolean, what: string,
  frameSel?: { cs: number; ss: number; rip?: number; rsp?: number }): boolean {
  const cpu = d.cpu, v = d.v64, r = cpu.regs;
  if (target === 0) { d.crash(`no handler for ${what}`); return false; }
  // The context being entered: the CPU's, or what Xen's entry stub stands in for (SYSENTER saves no RIP or RSP).
  // RIP as halves: after a failed iret it may be the non-canonical value the frame asked for.
  const rip: [number, number] = frameSel?.rip !== undefined ? splitValue(frameSel.rip) : [cpu.eip, cpu.ripHi];
  const rsp = frameSel?.rsp ?? reg64(d, 4);
  // RCX and R11 are data, not addresses: kept as halves (a double holds only 53 bits, and
  // rounding them corrupted whatever the kernel was computing when the bounce came).
  const rcx: [number, number] = [cpu.regs[1], cpu.regsHi[1]], r11: [number, number] = [r[11], cpu.regsHi[11]];
  // So is a user's RSP until it is used: it need not be canonical, and goes in the frame whole.
  const savedRsp: [number, number] = frameSel?.rsp !== undefined ? splitValue(rsp) : [r[4], cpu.regsHi[4]];
  const flagsNow = cpu.getFlags();
  // The selectors of the context being entered: the CPU's, or those an iret tried to load (failsafe).
  let cs = frameSel?.cs ?? cpu.segSel[CS];
  const ss = frameSel?.ss ?? cpu.segSel[SS];
  let sp: number;
  if (!v.kernelMode) {
    toggleGuestMode(cpu, v);
    sp = d.kernelSp;
  } else {
    sp = rsp;
    cs &= ~3;  // interrupted in kernel mode: the guest reads RPL 0
  }
  sp -= ((sp % 16) + 16) % 16;
  if (!stackOk(sp)) { d.crash(`${what}: the kernel stack 0x${BigInt.asUintN(64, BigInt(sp)).toString(16)} is not in the guest's address space`); return false; }
  const savedMask = d.events.upcallMask ? 1 : 0;
  const rflags = (flagsNow & ~(FLAG_IF | FLAG_IOPL)) | (savedMask ? 0 : FLAG_IF) | (d.architecturalIopl ? d.iopl << 12 : 0);
  // Quadwords from the new RSP up; CS's slot carries the saved mask in its upper half.
  const words: Array<number | [number, number]> = [rcx, r11];
  if (failsafe) words.push(cpu.segSel[DS], cpu.segSel[ES], cpu.segSel[FS], cpu.segSel[GS]);
  else if (errorCode >= 0) words.push(errorCode >>> 0);
  words.push(rip, [cs, savedMask], rflags >>> 0, savedRsp, ss);
  const base = sp - words.length * 8;
  const a = d.access, mem = d.mem;
  try {
    const p = a.physSpan(base, words.length * 8, true);
    if (p >= 0) {
      for (let i = 0; i < words.length; i++) {
        const w = words[i];
        const [lo, hi] = Array.isArray(w) ? w : splitValue(w);
        mem.write(p + i * 8, 4, lo); mem.write(p + i * 8 + 4, 4, hi);
      }
    } else {
      a.checkWritable(base, words.length * 8);
      words.forEach((w, i) => {
        if (Array.isArray(w)) { a.set32(base + i * 8, w[0]); a.set32(base + i * 8 + 4, w[1]); } else a.set64(base + i * 8, w);
      });
    }
  } catch {
    d.crash(`cannot write the ${what} frame at 0x${BigInt.asUintN(64, BigInt(base)).toString(16)}`);
    return false;
  }
  if (!d.loadSegment(CS, FLAT_KERNEL_CS64, 3) || !d.loadSegment(SS, FLAT_KERNEL_SS64, 3)) {
    d.crash(`internal: cannot load the flat kernel segments for ${what}`);
    return false;
  }
  setReg64(d, 4, base);
  setRip64(d, target);
  const newFlags = (flagsNow & ~(FLAG_AC | FLAG_VM | FLAG_RF | FLAG_NT | FLAG_TF)) | FLAG_IF | 2;
  cpu.flags = newFlags; cpu.ccOp = 0;
  // The return to the guest is a SYSRET: RCX and R11 hold the handler's RIP and RFLAGS.
  setReg64(d, 1, target);
  r[11] = newFlags; cpu.regsHi[11] = 0;
  if (maskEvents) d.events.upcallMask = true;
  cpu.halted = false;
  return true;
}

/** An exception to the trap table's handler (set_trap_table), #PF's address into vcpu_info.arch.cr2. */
/** #PF error code: the access was made in user mode. */
const PFEC_USER = 4;

export function bounceException64(d: PvDomain, vector: number, errorCode: number): void {
  const cpu = d.cpu;
  if (vector === PF) {
    // The kernel runs in ring 3, so the CPU's U bit is set for its own faults too: Xen re-sets
    // it from the guest's mode (pv_inject_event), or a kernel fault reads as user mode's.
    if (errorCode >= 0) errorCode = (errorCode & ~PFEC_USER) | (d.v64.kernelMode ? 0 : PFEC_USER);
    const [lo, hi] = splitValue(cpu.cr2);
    d.mem.store32(d.events.vcpuPa + VI64_CR2, lo);
    d.mem.store32(d.events.vcpuPa + VI64_CR2 + 4, hi);
  }
  const target = d.trapEip[vector];
  const rip = cpu.eip;
  if (target === 0) {
    d.crash(`exception ${vector} (error code ${errorCode >= 0 ? '0x' + errorCode.toString(16) : 'none'}) at 0x${BigInt.asUintN(64, BigInt(rip64(d))).toString(16)} in ${d.v64.kernelMode ? 'kernel' : 'user'} mode and no handler in the trap table`);
    return;
  }
  if (bounce64(d, target, errorCode, (d.trapFlags[vector] & TI_IF) !== 0, false, `exception ${vector}`)) {
    d.recordAt(PvKind.TRAP_BOUNCE, vector, `trap:${vector}`, d.log.costs.trapBounce, rip, { vector, errorCode: errorCode >= 0 ? errorCode : undefined });
  }
}

/**
 * INT n: Xen's gates are DPL 0, so the instruction faults into Xen, which delivers it if the
 * trap table's DPL allows the guest's mode (the kernel counts as 1, user space as 3), else
 * #GP(n * 8 + 2) at the INT.
 */
export function softInterrupt64(d: PvDomain, vector: number): void {
  const dpl = d.trapFlags[vector] & TI_DPL_MASK;
  const cpl = d.v64.kernelMode ? 1 : 3;
  if (d.trapEip[vector] === 0 || cpl > dpl) {
    d.cpu.eip = d.cpu.instrEip;
    d.cpu.invalidateFetch();
    bounceException64(d, GP, vector * 8 + 2);
    return;
  }
  bounceException64(d, vector, -1);
}

export function deliverUpcall64(d: PvDomain): void {
  if (!d.upcallDeliverable()) return;
  const rip = d.cpu.eip;
  if (bounce64(d, d.event.eip, -1, true, false, 'event upcall')) {
    d.updateTimeInfo();
    d.recordAt(PvKind.EVENT_UPCALL, 0, 'event-callback', d.log.costs.eventUpcall, rip);
  }
}

/** Xen calls the failsafe callback when the return to the guest faults (a bad selector or RIP in an iret frame). */
export function failsafe64(d: PvDomain, why: string, frameSel?: { cs: number; ss: number }): void {
  const rip = d.cpu.eip;
  if (d.failsafe.eip === 0) { d.crash(`${why}, and no failsafe callback`); return; }
  if (bounce64(d, d.failsafe.eip, -1, d.v64.failsafeMasksEvents, true, 'failsafe callback', frameSel)) {
    d.recordAt(PvKind.FAILSAFE_CALLBACK, 0, 'failsafe-callback', d.log.costs.trapBounce, rip);
  }
}

/**
 * SYSCALL from user mode: Xen's switch_to_kernel. The SYSCALL already put the return RIP in
 * RCX and RFLAGS in R11; the kernel's syscall callback gets a bounce frame (events masked if
 * it registered with CALLBACKF_mask_events) with DF clear. Without a callback Xen injects #UD.
 */
export function userSyscall64(d: PvDomain): void {
  const v = d.v64, cpu = d.cpu;
  if (v.syscall === 0) {
    setRip64(d, rip64(d) - 2);
    bounceException64(d, UD, -1);
    return;
  }
  const rip = cpu.eip;
  if (bounce64(d, v.syscall, -1, v.syscallMasksEvents, false, 'syscall')) {
    cpu.flags &= ~FLAG_DF;
    d.recordAt(PvKind.SYSCALL_BOUNCE, 0, 'syscall-callback', d.log.costs.trapBounce, rip);
  }
}

/**
 * SYSENTER from user mode (a compatibility-mode process: Intel has no SYSCALL there), Xen's
 * sysenter_entry: the instruction saves neither RIP nor RSP, so the frame holds RIP 0, CS 3,
 * RSP 0 and FLAT_USER_SS; the kernel's sysenter callback gets it (events masked if it asked).
 * Without a callback the guest gets #GP(0) on that frame.
 */
export function userSysenter64(d: PvDomain): void {
  const v = d.v64, rip = d.cpu.eip;
  const frame = { cs: 3, ss: FLAT_KERNEL_SS64, rip: 0, rsp: 0 };
  if (v.sysenter === 0) {
    const target = d.trapEip[GP];
    if (target === 0) { d.crash('SYSENTER from user mode with no sysenter callback and no #GP handler'); return; }
    if (bounce64(d, target, 0, (d.trapFlags[GP] & TI_IF) !== 0, false, 'sysenter #GP', frame)) {
      d.recordAt(PvKind.TRAP_BOUNCE, GP, `trap:${GP}`, d.log.costs.trapBounce, rip, { vector: GP, errorCode: 0 });
    }
    return;
  }
  if (bounce64(d, v.sysenter, -1, v.sysenterMasksEvents, false, 'sysenter', frame)) {
    d.recordAt(PvKind.SYSCALL_BOUNCE, 2, 'sysenter-callback', d.log.costs.trapBounce, rip);
  }
}
