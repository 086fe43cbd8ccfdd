// Puts the CPU in the state a BootPlan's entry asks for, after reset: real mode at the reset
// vector or CS:IP, flat 32-bit protected mode (with the loader's GDT and selectors when it
// gives one, as the Linux boot protocol requires __BOOT_CS/__BOOT_DS), or 64-bit mode with
// the loader's page tables.

import type { BootPlan, RegisterFile } from './api';
import { Cpu, enterFlat32, enterReal, enterReset, CS, constants as K } from '../cpu';

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
    case 'long64': {
      // The way a loader's own code gets there (SDM Vol. 3 §9.8.5): flat protected mode, EFER.LME,
      // CR4.PAE, CR3, then CR0.PG activates IA-32e mode; a far jump to a code segment with L set
      // then enters 64-bit mode, here by loading that segment's cache directly.
      enterFlat32(cpu, entry.rip);
      cpu.gdtBase = entry.gdt.base;
      cpu.gdtLimit = entry.gdt.limit;
      cpu.writeEfer(cpu.efer | K.EFER_LME);
      cpu.writeCr4(cpu.cr4 | K.CR4_PAE);
      cpu.writeCr3(entry.cr3);
      cpu.writeCr0(cpu.cr0 | K.CR0_PG | K.CR0_PE);
      for (let s = 0; s < 6; s++) cpu.segSel[s] = s === CS ? entry.gdt.cs : entry.gdt.ds;
      cpu.segAttr[CS] = (cpu.segAttr[CS] & ~0x4000) | K.A_L;      // L=1 with D=0: 64-bit code
      cpu.segUpdated(CS);
      cpu.eip = entry.rip | 0;
      cpu.ripHi = 0;
      if (!cpu.long64) throw new Error('the 64-bit entry did not reach 64-bit mode');
      break;
    }
  }
  if (entry.regs) for (const [k, v] of Object.entries(entry.regs)) if (v !== undefined) setRegister(k as keyof RegisterFile, v);
}
