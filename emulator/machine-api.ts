// The Machine's public surface: what the CLI, the debug adapter and the tests use.
// Nothing here reads files or knows about VS Code, DAP or LSP.

import type { ExitControls } from './vmm/exit-api';

export type Mode = 'hvm' | 'pv';

/** What the loader produces and the machine applies at reset. */
export interface BootPlan {
  /** Bytes to place in guest RAM before the first instruction. */
  memory: Array<{ paddr: number; bytes: Uint8Array }>;
  /** A raw ROM: mapped so that it ends at 0xFFFFF and at 0xFFFFFFFF (reset vector F000:FFF0). */
  rom?: Uint8Array;
  entry:
    | { kind: 'reset' }                                    // F000:FFF0 in real mode, CS base 0xFFFF0000
    | { kind: 'real'; cs: number; ip: number; ss?: number; sp?: number }
    | { kind: 'flat32'; eip: number; regs?: Partial<Record<GeneralRegister, number>> }; // CR0.PE=1, flat 4 GiB ring-0 segments, paging off, IF=0
  /** Symbols from the image, if any (address -> name) for reports. */
  symbols?: Array<{ name: string; address: number; size: number }>;
  /** Human-readable description: "ELF32 multiboot kernel, 3 segments". */
  description: string;
}

export type GeneralRegister = 'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi';

export interface MachineOptions {
  mode: Mode;
  memoryMiB: number;                    // default 64
  exitControls?: ExitControlsSpec;
  /** Called with each byte the guest writes to COM1 / 0xE9 / the PV console. */
  serialOut?: (byte: number) => void;
}

export type ExitControlsPreset = 'ept' | 'shadow-paging';
export interface ExitControlsSpec {
  preset: ExitControlsPreset;
  overrides?: Partial<Omit<ExitControls, 'msrExits' | 'ioExits'>>;
}

export type StopReason =
  | { kind: 'budget' }                                   // instruction budget used up
  | { kind: 'debug-exit'; code: number }                 // isa-debug-exit: (value << 1) | 1
  | { kind: 'shutdown'; code: number; reason: string }   // PV sched_op shutdown, ...
  | { kind: 'reset'; via: string }                       // guest asked for a reset
  | { kind: 'triple-fault'; detail: string }
  | { kind: 'domain-crash'; detail: string }             // PV
  | { kind: 'halted'; detail: string }                   // HLT with interrupts off (nothing can wake it)
  | { kind: 'breakpoint'; address: number }
  | { kind: 'watchpoint'; address: number; write: boolean }
  | { kind: 'filter'; exitSeq: number }                  // an exit filter matched
  | { kind: 'step' }
  | { kind: 'paused' };

export interface RegisterFile {
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  eip: number; eflags: number;
  cs: number; ds: number; es: number; fs: number; gs: number; ss: number;
  cr0: number; cr2: number; cr3: number; cr4: number;
}
