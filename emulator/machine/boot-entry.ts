// Puts the CPU in the state a BootPlan's entry asks for, after reset: real mode at the reset
// vector or CS:IP, flat 32-bit protected mode (with the loader's GDT and selectors when it
// gives one, as the Linux boot protocol requires __BOOT_CS/__BOOT_DS), or 64-bit mode.

import type { BootPlan, RegisterFile } from './api';
import { Cpu, enterFlat32, enterReal, enterReset, CS } from '../cpu';

export function applyBootEntry(cpu: Cpu, entry: BootPlan['entry'], setRegister: (name: keyof RegisterFile, value: number) => void): void {
  switch (entry.kind) {
    case 'reset': enterReset(cpu); return;
    case 'real': enterReal(cpu, entry.cs, entry.ip, entry.ss, entry.sp); return;
    case 'flat32':
      enterFlat32(cpu, entry.eip);
      if (entry.gdt) {
        cpu.gdtBase = entry.gdt.base;
        cpu.gdtLimit = entry.gdt.limit;
        // The hidden parts are the flat ones enterFlat32 set; only the selectors change.
        for (let s = 0; s < 6; s++) cpu.segSel[s] = s === CS ? entry.gdt.cs : entry.gdt.ds;
      }
      break;
    case 'long64':
      throw new Error('a 64-bit entry needs the long-mode CPU, which this build does not have yet; use the 32-bit entry');
  }
  if (entry.regs) for (const [k, v] of Object.entries(entry.regs)) if (v !== undefined) setRegister(k as keyof RegisterFile, v);
}
