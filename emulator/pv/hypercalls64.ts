// The hypercalls whose arguments or effect differ for a 64-bit PV guest (Xen's x86_64
// versions): set_trap_table (16-byte trap_info), set_callbacks (three addresses, no
// selectors), callback_op (an 8-byte address; syscall, syscall32, sysenter and the mask
// flag), set_segment_base, and stack_switch (the kernel stack is a 64-bit address; the
// selector is ignored, as a 64-bit Xen does). The 32-bit ones are in hypercalls.ts, which
// picks by the domain's width.

import {
  CALLBACKF_mask_events, CALLBACKOP_register, CALLBACKOP_unregister, CALLBACKTYPE, EINVAL, ENOSYS,
} from './abi';
import { CALLBACKTYPE_sfmask, CALLBACKTYPE_syscall32, FLAT_KERNEL_CS64, SEGBASE, TRAP_INFO_64 } from './abi64';
import { FS, GS } from '../cpu';
import type { PvDomain } from './domain';
import { gsBase, setGsBase } from './vcpu64';
import { splitValue } from './hypercall-args';

const CANONICAL = 2 ** 47;
const canonical = (v: number): boolean => Number.isInteger(v) && v >= -CANONICAL && v < CANONICAL;

/** set_trap_table: entries of {u8 vector, u8 flags, u16 cs, unsigned long address} until address 0; NULL clears. */
export function setTrapTable64(d: PvDomain, table: number): number {
  if (table === 0) { d.trapFlags.fill(0); d.trapCs.fill(0); d.trapEip.fill(0); return 0; }
  const a = d.access;
  for (let i = 0; i < 256; i++) {
    const at = table + i * TRAP_INFO_64.SIZE;
    const vector = a.u8(at + TRAP_INFO_64.vector), flags = a.u8(at + TRAP_INFO_64.flags);
    const address = a.addr64(at + TRAP_INFO_64.address);
    if (address === 0) break;
    d.trapFlags[vector] = flags; d.trapCs[vector] = FLAT_KERNEL_CS64; d.trapEip[vector] = address;
  }
  return 0;
}

/** set_callbacks(event, failsafe, syscall): registrations without CALLBACKF_mask_events. */
export function setCallbacks64(d: PvDomain, event: number, failsafe: number, syscall: number): number {
  registerCallback(d, CALLBACKTYPE.event, 0, event);
  registerCallback(d, CALLBACKTYPE.failsafe, 0, failsafe);
  registerCallback(d, CALLBACKTYPE.syscall, 0, syscall);
  return 0;
}

function registerCallback(d: PvDomain, type: number, flags: number, address: number): number {
  const v = d.v64;
  const mask = (flags & CALLBACKF_mask_events) !== 0;
  switch (type) {
    case CALLBACKTYPE.event: d.event = { cs: FLAT_KERNEL_CS64, eip: address }; return 0;
    case CALLBACKTYPE.failsafe: d.failsafe = { cs: FLAT_KERNEL_CS64, eip: address }; v.failsafeMasksEvents = mask; return 0;
    case CALLBACKTYPE.syscall: v.syscall = address; v.syscallMasksEvents = mask; return 0;
    case CALLBACKTYPE_syscall32: v.syscall32 = address; return 0;
    case CALLBACKTYPE.sysenter: v.sysenter = address; v.sysenterMasksEvents = mask; return 0;
    case CALLBACKTYPE.nmi: v.nmi = address; return 0;
    default: return -ENOSYS;
  }
}

/** callback_op(cmd, struct callback_register { u16 type; u16 flags; unsigned long address }). */
export function callbackOp64(d: PvDomain, cmd: number, arg: number): number {
  const a = d.access;
  if (cmd === CALLBACKOP_register) {
    const type = a.u16(arg), flags = a.u16(arg + 2), address = a.addr64(arg + 8);
    if (type === CALLBACKTYPE_sfmask) return -ENOSYS;
    if (!canonical(address)) return -EINVAL;
    return registerCallback(d, type, flags, address);
  }
  if (cmd === CALLBACKOP_unregister) {
    const type = a.u16(arg);
    if (type === CALLBACKTYPE.nmi) { d.v64.nmi = 0; return 0; }
    // Xen cannot take the other entry points away from a running kernel.
    if (type === CALLBACKTYPE.event || type === CALLBACKTYPE.failsafe || type === CALLBACKTYPE.syscall
      || type === CALLBACKTYPE_syscall32 || type === CALLBACKTYPE.sysenter) return -EINVAL;
    return -ENOSYS;
  }
  return -ENOSYS;
}

/**
 * set_segment_base(which, base): FS's base, the user's or the kernel's GS base (the kernel's
 * is the one running, the user's waits for the next switch to user mode), or a selector
 * loaded into GS for user mode (base[15:0]; one that does not load leaves a null GS, as
 * Xen's fixup does). A non-canonical base is -EINVAL.
 */
export function setSegmentBase(d: PvDomain, which: number, base: number): number {
  const cpu = d.cpu, v = d.v64;
  switch (which) {
    case SEGBASE.fs: {
      if (!canonical(base)) return -EINVAL;
      const [lo, hi] = splitValue(base);
      cpu.segBase[FS] = lo; cpu.segBaseHi[FS] = hi;
      return 0;
    }
    case SEGBASE.gsUser:
      if (!canonical(base)) return -EINVAL;
      if (v.kernelMode) v.otherGsBase = base; else setGsBase(cpu, base);
      return 0;
    case SEGBASE.gsKernel:
      if (!canonical(base)) return -EINVAL;
      if (v.kernelMode) setGsBase(cpu, base); else v.otherGsBase = base;
      return 0;
    case SEGBASE.gsUserSel: {
      // The selector load sets the user's GS base from the descriptor; the kernel's stays.
      const kernelBase = gsBase(cpu);
      if (!d.loadSegment(GS, base & 0xffff, 3)) cpu.setSegNull(GS, 0);
      const userBase = gsBase(cpu);
      setGsBase(cpu, kernelBase);
      if (v.kernelMode) v.otherGsBase = userBase; else setGsBase(cpu, userBase);
      return 0;
    }
    default: return -EINVAL;
  }
}

