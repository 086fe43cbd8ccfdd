// The Machine's public surface: what the CLI, the debug adapter and the tests use.
// Nothing here reads files or knows about VS Code, DAP or LSP.

import type { PvKernel } from './pv/domain-builder';
import type { PvStateView } from './pv/domain';

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
  /** `absolute`: an assembler constant (SHN_ABS, e.g. NASM's equ), a number rather than an address. */
  symbols?: Array<{ name: string; address: number; size: number; absolute?: boolean }>;
  /** Human-readable description: "ELF32 multiboot kernel, 3 segments". */
  description: string;
  /** A Xen PV kernel for mode 'pv' (from emulator/pv's loadPvImage); the domain builder applies it. */
  pv?: PvKernel;
}

export type GeneralRegister = 'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi';

export interface MachineOptions {
  mode: Mode;
  memoryMiB: number;                    // default 64
  exitControls?: ExitControlsSpec;
  /** Called with each byte the guest writes to COM1 / 0xE9 / the PV console. */
  serialOut?: (byte: number) => void;
  /**
   * PV mode: where console_io writes (Xen's console) go: merged into serialOut ('serial', the
   * default), to `out` ('separate'), or merged until the guest uses its console ring ('auto').
   */
  hypervisorConsole?: { mode: 'serial' | 'separate' | 'auto'; out?: (byte: number) => void };
  /** PV mode: what a privileged instruction in ring 1 does ('xen': emulate as Xen does; 'strict': #GP to the guest). */
  pvPrivileged?: 'xen' | 'strict';
  /**
   * Compile hot 32-bit code into JavaScript blocks (default true). false runs every
   * instruction through the interpreter: slower, and the reference the compiler is tested against.
   */
  blockCompiler?: boolean;
}

export type ExitControlsPreset = 'ept' | 'shadow-paging';
export type ExitControlOverrides = Readonly<Record<string, boolean | number | undefined>>;
export interface ExitControlsSpec {
  preset: ExitControlsPreset;
  /**
   * Controls by name (hltExiting: true, cr0Mask: 0x...), as a user or a launch configuration
   * gives them: createExitControls checks each name and value type against the controls and
   * throws ExitControlsError for anything else.
   */
  overrides?: ExitControlOverrides;
  /** Cost model overrides (a JSON object, see emulator/vmm/COST-MODEL.md); validated by createHvmVmm. */
  costModel?: Record<string, unknown>;
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

export type WatchKind = 'read' | 'write' | 'access';

/** An exit as the debugger and CLI see it (decoded from the ring buffer on demand). */
export interface ExitRecord {
  seq: number;
  reason: number;
  reasonName: string;
  qualification: number;
  eip: number;
  cs: number;
  cpl: number;
  bytes: Uint8Array;
  icount: number;
  handler: string;
  cycles: number;
  gpa?: number; msr?: number; value?: number; vector?: number; errorCode?: number;
}

/** Counters and log of the hypervisor model, as the CLI, the adapter and the reports read them. */
export interface ExitStats {
  total: number;
  byReason: Record<string, number>;         // reason name -> count
  cyclesByReason: Record<string, number>;   // reason name -> estimated cycles (a model, not a measurement)
  guestCycles: number;                       // estimated cycles for guest instructions
  recent(count: number): ExitRecord[];       // newest last
  page(from: number, count: number, filter?: (r: ExitRecord) => boolean): ExitRecord[];
  /** PV mode: hypercalls by name (multicall entries included), their estimated cycles and failures. */
  hypercalls?: Record<string, number>;
  hypercallCycles?: Record<string, number>;
  hypercallErrors?: Record<string, number>;
}

/**
 * The machine (implemented in machine.ts). Every method is synchronous; callers that need
 * to stay responsive run it in budgets (e.g. 1M instructions) and yield between them.
 */
export interface MachineApi {
  readonly mode: Mode;
  readonly icount: number;                   // retired instructions, exact
  load(plan: BootPlan): void;                // resets, then applies the plan
  /** Virtual time: ticks of INSTRUCTION_NS (emulator/clock.ts), retired instructions plus idle. */
  readonly ticks: number;
  /**
   * Run until a stop reason, until `budget` more instructions retired, or until virtual time
   * reaches `untilTicks`. Idle time (HLT, a blocked PV vCPU) jumps to the next timer and does
   * not use the budget; a long idle stretch may return { kind: 'budget' } early so callers
   * stay responsive.
   */
  run(budget: number, untilTicks?: number): StopReason;
  /** Execute exactly one instruction (or deliver one pending event) and stop. */
  step(): StopReason;
  requestPause(): void;                      // safe to call from another callback; run() returns {kind:'paused'} soon

  getRegisters(): RegisterFile;
  setRegister(name: keyof RegisterFile, value: number): void;
  readLinear(addr: number, length: number): Uint8Array | null;   // null if any page is not mapped
  writeLinear(addr: number, bytes: Uint8Array): boolean;
  readPhysical(addr: number, length: number): Uint8Array;
  writePhysical(addr: number, bytes: Uint8Array): void;
  translate(linear: number): number | null;  // linear -> physical with the current paging mode, no side effects

  addBreakpoint(linear: number): void;
  removeBreakpoint(linear: number): void;
  addWatchpoint(linear: number, length: number, kind: WatchKind): void;
  removeWatchpoint(linear: number, length: number, kind: WatchKind): void;
  /** Stop when this returns true for a new exit (evaluated only for recorded exits). */
  setExitFilter(filter: ((r: ExitRecord) => boolean) | null): void;

  readonly exits: ExitStats;
  readonly serialOutput: () => string;       // everything the guest printed so far
  /**
   * Opaque and restorable; cheap enough to take every few M instructions. Given a snapshot of
   * this machine that is no longer wanted, its RAM copy is reused (a fresh copy of guest RAM
   * costs about ten times a copy into memory already mapped).
   */
  snapshot(recycle?: unknown): unknown;
  restore(snapshot: unknown): void;
  /** PV mode: event, timer and trap state for a debugger (null in HVM mode or before a PV load). */
  pvState?(): PvStateView | null;
  /** Host input for the guest's console (UART in HVM, the PV console ring in PV). */
  serialInput?(bytes: Uint8Array): void;
}
