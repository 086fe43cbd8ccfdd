// Taking an NMI, on bare hardware and under the VT-x controls a hypervisor sets (SDM vol. 3,
// 6.7.1, 24.4.2, 25.2, 25.3): vector 2 whatever IF says, further NMIs blocked until the next
// IRET, none on the instruction boundary after MOV SS / POP SS (the STI shadow holds back
// maskable interrupts only). With "NMI exiting" a physical NMI is a VM exit (basic reason 0,
// interruption type NMI, vector 2) and the hypervisor re-injects it as a virtual NMI; with
// "virtual NMIs" the guest's NMI blocking is virtual-NMI blocking, and with "NMI-window
// exiting" a hypervisor holding an NMI the guest blocks asks to be told (exit reason 8,
// before the first instruction with no virtual-NMI and no MOV-SS blocking) and injects then.

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import type { ExecCpu } from './handler';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { NMI } = K;

/**
 * Deliver an NMI if one can be taken at this instruction boundary: 'taken' when one was,
 * 'triple' when its delivery shut the CPU down, 'none' leaves maskable interrupts to the caller.
 */
export function pollNmi(cpu: ExecCpu): 'none' | 'taken' | 'triple' {
  // MOV SS / POP SS blocks NMIs on the next boundary too (table 24-3 "blocking by MOV SS").
  if (cpu.shadow && cpu.ssShadow) return 'none';
  const p = cpu.platform;
  const c = cpu.controls;
  if (c?.nmiExiting) {
    if (p?.nmiPending?.() && p.takeNmi?.()) {
      // The physical NMI exits whatever the guest blocks; the hypervisor now holds it.
      cpu.instrEip = cpu.eip;
      cpu.vmexit(ExitReason.EXCEPTION_NMI, 0, 'hypervisor', { vector: NMI });
      cpu.vnmiPending = true;
    }
    if (!cpu.vnmiPending) return 'none';
    if (cpu.nmiBlocked) {
      if (c.virtualNmis && c.nmiWindowExiting) cpu.nmiWindowArmed = true;
      return 'none';
    }
    if (cpu.nmiWindowArmed) {
      cpu.nmiWindowArmed = false;
      cpu.instrEip = cpu.eip;
      cpu.vmexit(ExitReason.NMI_WINDOW, 0, 'hypervisor');
    }
    cpu.vnmiPending = false;
    return deliver(cpu);
  }
  if (cpu.nmiBlocked || !p?.nmiPending?.() || !p.takeNmi?.()) return 'none';
  return deliver(cpu);
}

function deliver(cpu: ExecCpu): 'taken' | 'triple' {
  cpu.halted = false;
  cpu.instrEip = cpu.eip;
  cpu.nmiBlocked = true;
  return cpu.raise(NMI, -1, 'external', cpu.eip) ? 'taken' : 'triple';
}

/**
 * Whether an NMI can still end a HLT entered with IF=0: one is pending (physically or held by
 * the hypervisor) or a device interrupt is routed to NMI (LINT0, an I/O APIC entry), and the
 * CPU is not inside an NMI handler already.
 */
export function nmiCanWake(cpu: ExecCpu): boolean {
  if (cpu.nmiBlocked) return false;
  if (cpu.vnmiPending) return true;
  const p = cpu.platform;
  return !!p && (p.nmiPending?.() === true || p.nmiRoutable?.() === true);
}
