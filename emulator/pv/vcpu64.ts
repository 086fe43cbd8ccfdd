// The per-vCPU state Xen keeps for a 64-bit PV guest, whose kernel and user space both run
// in ring 3: which of the two is running (Xen's TF_kernel_mode), the two page-table roots
// (guest_table from MMUEXT_NEW_BASEPTR, guest_table_user from MMUEXT_NEW_USER_BASEPTR), the
// GS base of the mode that is not running (Xen keeps it in the shadow GS MSR and swaps on
// every switch, as SWAPGS would), and the entry points registered with callback_op.
// toggleGuestMode is the one place the mode changes: Xen's toggle_guest_mode.

import type { Cpu } from '../cpu';
import { GS } from '../cpu';
import { joinAddress, splitValue } from './hypercall-args';

export interface Vcpu64Saved {
  kernelMode: boolean; kernelTable: number; userTable: number; otherGsBase: number;
  syscall: number; syscallMasksEvents: boolean; syscall32: number; sysenter: number; nmi: number; failsafeMasksEvents: boolean; sysenterMasksEvents?: boolean;
  drHi?: number[];
}

export class Vcpu64 {
  /** TF_kernel_mode: the guest kernel is running (else its user space). */
  kernelMode = true;
  /** Machine frame of the kernel's L4 (guest_table) and of the user's (guest_table_user; 0 = none). */
  kernelTable = 0;
  userTable = 0;
  /** GS base of the mode not running (the user's while the kernel runs, and the other way round). */
  otherGsBase = 0;
  /** callback_op entry points (0 = not registered) and CALLBACKF_mask_events of the syscall one. */
  syscall = 0;
  syscallMasksEvents = false;
  syscall32 = 0;
  sysenter = 0;
  nmi = 0;
  /** The failsafe and sysenter callbacks were registered with CALLBACKF_mask_events. */
  failsafeMasksEvents = false;
  sysenterMasksEvents = false;
  /** Upper halves of DR0-DR3 (the CPU keeps the lower ones); see debug-regs.ts. */
  drHi = [0, 0, 0, 0];

  save(): Vcpu64Saved {
    const { kernelMode, kernelTable, userTable, otherGsBase, syscall, syscallMasksEvents, syscall32, sysenter, nmi, failsafeMasksEvents, sysenterMasksEvents } = this;
    return { kernelMode, kernelTable, userTable, otherGsBase, syscall, syscallMasksEvents, syscall32, sysenter, nmi, failsafeMasksEvents, sysenterMasksEvents, drHi: [...this.drHi] };
  }

  load(s: Vcpu64Saved): void { Object.assign(this, s); this.drHi = [...(s.drHi ?? [0, 0, 0, 0])]; }
}

/** The running GS base as an address number. */
export function gsBase(cpu: Cpu): number { return joinAddress(cpu.segBase[GS], cpu.segBaseHi[GS]); }

export function setGsBase(cpu: Cpu, base: number): void {
  const [lo, hi] = splitValue(base);
  cpu.segBase[GS] = lo;
  cpu.segBaseHi[GS] = hi;
}

/** Loads CR3 with an L4 frame (a full flush: guest kernel pages are never global). */
export function loadRoot(cpu: Cpu, mfn: number): void {
  cpu.writeCr3((mfn * 4096) | 0, Math.floor(mfn / 0x100000));
}

/**
 * Xen's toggle_guest_mode: kernel <-> user. The GS bases trade places and CR3 becomes the
 * other mode's root. The callers check that a user root exists before entering user mode.
 */
export function toggleGuestMode(cpu: Cpu, v: Vcpu64): void {
  v.kernelMode = !v.kernelMode;
  const running = gsBase(cpu);
  setGsBase(cpu, v.otherGsBase);
  v.otherGsBase = running;
  loadRoot(cpu, v.kernelMode ? v.kernelTable : v.userTable);
}
