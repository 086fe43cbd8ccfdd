// What the instruction-table files share: the SDM's qualification layouts in words, the
// usual PV behaviours, rough cycle figures, and the entry constructor.

import type { IsaEntry } from './types';

export const IO_QUAL = 'bits 2:0 size-1, bit 3 direction (1 = in), bit 4 string, bit 5 REP, bit 6 immediate port, bits 31:16 port';
export const CR_QUAL = 'bits 3:0 CR number, bits 5:4 access type (0 mov to CR, 1 mov from CR, 2 CLTS, 3 LMSW), bits 11:8 GPR, bits 31:16 LMSW source data';
export const DT_QUAL = 'instruction information field names the instruction (LGDT/LIDT/SGDT/SIDT or LLDT/LTR/SLDT/STR) and its operand; qualification is the displacement';
export const GP_PV = 'raises #GP in ring 1; Xen does not emulate it for PV guests, so the kernel takes its own #GP handler or crashes';
export const EMUL_PV = 'raises #GP in ring 1; Xen emulates it as a privileged operation (a costly trap) or the domain crashes';

/** Port I/O in a PVH domain: the exit happens, but no device model is behind any legacy port (legacy-ports.ts names them). */
export const NO_DEVICE_PVH = 'exits (30 IO_INSTRUCTION) and finds no device: a PVH domain has no PIC, PIT, RTC, UART, VGA or PCI ports, so Xen completes the access itself (an IN reads all ones, an OUT is dropped)';
export const PVH_DEVICES = 'console_io(CONSOLEIO_write) or the console ring for the UART; vcpu_op timers (or the local APIC timer) for the PIT; event channels at the upcall vector for the PIC; shared_info\'s wallclock for the RTC; sched_op(SCHEDOP_shutdown) to power off or reboot';

// Rough cycle figures: a VT-x exit round trip is ~1,000-1,500 cycles on recent cores before
// any handler work; a 32-bit PV hypercall through int 0x82 is ~300-700; a #GP that Xen
// decodes and emulates is ~2,000-4,000.
export const EXIT = 1200;
export const HCALL = 500;
export const GP_EMUL = 3000;

export function entry(e: Omit<IsaEntry, 'docsAnchor'>): IsaEntry {
  return Object.freeze({ ...e, docsAnchor: e.rule.toLowerCase() });
}
