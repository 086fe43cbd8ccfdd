// The Machine's public surface: what the CLI, the debug adapter and the tests use.
// Nothing here reads files or knows about VS Code, DAP or LSP.

import type { BootPlan } from '../loader/boot-plan';
import type { ExitControlsSpec } from '../vmm/controls';
import type { ExitRecord, ExitStats } from '../trace/exit-record';
import type { PvStateView, PvStop } from '../pv/domain';

// The types the Machine's surface shares with the layers below it, where they are defined:
// front ends take them from here and need not know which layer owns each.
export type { BootPlan, GeneralRegister, PvKernel, PvhBoot } from '../loader/boot-plan';
export type { ExitControlOverrides, ExitControlsPreset, ExitControlsSpec } from '../vmm/controls';
export type { ExitRecord, ExitStats } from '../trace/exit-record';

/** hvm: an unmodified kernel on a virtual PC; pv: a Xen PV guest; pvh: an HVM container entered like a PV kernel. */
export type Mode = 'hvm' | 'pv' | 'pvh';

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

export type StopReason =
  | { kind: 'budget' }                                   // instruction budget used up
  | { kind: 'debug-exit'; code: number }                 // isa-debug-exit: (value << 1) | 1
  | PvStop                                               // PV sched_op shutdown/reset, domain crash
  | { kind: 'shutdown'; code: number; reason: string }   // a platform power-off request
  | { kind: 'reset'; via: string }                       // guest asked for a reset
  | { kind: 'triple-fault'; detail: string }
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

/**
 * The machine (implemented in machine.ts). Every method is synchronous; callers that need
 * to stay responsive run it in budgets (e.g. 1M instructions) and yield between them.
 */
/**
 * The x86-64 register file as a debugger reads and edits it, by the names of the long-mode
 * contract (emulator/cpu/LONG-MODE.md): live, not a copy. `regs`/`regsHi` hold the low and
 * high halves of RAX..R15 in encoding order, `eip`/`ripHi` RIP's, `segBase`/`segBaseHi` the
 * segment bases (FS and GS are 64-bit); the MSR map holds [low, high] halves by MSR number.
 */
export interface LongModeState {
  readonly regs: Int32Array; readonly regsHi: Int32Array; eip: number; ripHi: number;
  readonly lma: boolean; readonly long64: boolean; readonly efer: number;
  readonly segSel: readonly number[]; readonly segBase: readonly number[]; readonly segBaseHi: Int32Array;
  readonly msrs: ReadonlyMap<number, [number, number]>;
  readonly cr0: number; readonly cr2: number; readonly cr3: number; readonly cr4: number;
  /** The descriptor-table registers: bases in low and high halves. */
  readonly gdtBase: number; readonly gdtBaseHi: number; readonly gdtLimit: number;
  readonly idtBase: number; readonly idtBaseHi: number; readonly idtLimit: number;
  readonly ldtSel: number; readonly ldtBase: number; readonly ldtBaseHi: number; readonly ldtLimit: number;
  readonly trSel: number; readonly trBase: number; readonly trBaseHi: number; readonly trLimit: number;
  getFlags(): number;
  /** XMM0-15 (16 bytes each) and MXCSR. */
  readonly sse: { readonly bytes: Uint8Array; readonly mxcsr: number };
  /** The TPR without a local APIC; with one (`platform.readTpr`), the APIC's. */
  readonly tprShadow: number;
  readonly platform: { readTpr?(): number } | null;
}

/**
 * The CPU state a debugger shows beyond the register file, live and read-only: the segment
 * caches (ES, CS, SS, DS, FS, GS order), descriptor-table registers, debug registers, the MSR
 * map ([low, high] halves by number), the code size (CS.D, and long64 for 64-bit code) and
 * the SSE unit. `csBase + eip` is the linear address of the next instruction outside long mode.
 */
export interface CpuStateView {
  readonly cpl: number;
  readonly segSel: readonly number[]; readonly segBase: readonly number[];
  readonly segLimit: readonly number[]; readonly segAttr: readonly number[];
  readonly csBase: number; readonly eip: number;
  readonly gdtBase: number; readonly gdtLimit: number; readonly idtBase: number; readonly idtLimit: number;
  readonly ldtSel: number; readonly ldtBase: number; readonly ldtLimit: number;
  readonly trSel: number; readonly trBase: number; readonly trLimit: number;
  readonly dr: ArrayLike<number>;
  readonly msrs: ReadonlyMap<number, readonly [number, number]>;
  readonly cs32: boolean; readonly lma: boolean; readonly long64: boolean;
  readonly sse: { readonly bytes: Uint8Array; readonly mxcsr: number };
}

export interface VgaTextView { cols: number; rows: number; cells: Uint16Array; cursor: { row: number; col: number; visible: boolean } }

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
  /** The 64-bit register state (null for a CPU without the long-mode register file). */
  longModeState(): LongModeState | null;
  /** Segment caches, descriptor tables, debug registers, MSRs, SSE: what a debugger decodes (live). */
  cpuState(): CpuStateView;
  setRegister(name: keyof RegisterFile, value: number): void;
  readLinear(addr: number, length: number): Uint8Array | null;   // null if any page is not mapped
  writeLinear(addr: number, bytes: Uint8Array): boolean;
  readPhysical(addr: number, length: number): Uint8Array;
  writePhysical(addr: number, bytes: Uint8Array): void;
  /** The guest-physical pages the run reached since power-on (what an EPT had to map). */
  reachedMemory?(): ReachedMemory;
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
   * Opaque and restorable. Copies only the RAM pages written since the previous snapshot (or
   * restore) and shares the rest with it; pages never written are never copied.
   */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  /**
   * A snapshot no longer wanted: the page copies only it held are freed at once (a snapshot
   * never released is freed when it is garbage-collected, which may be much later).
   */
  releaseSnapshot(snapshot: unknown): void;
  /**
   * The HVM exit log's counters and position, which snapshot() leaves out: a debugger that
   * restores a snapshot puts them back too, so the log matches the restored moment.
   */
  exitLogSnapshot(): unknown;
  restoreExitLog(saved: unknown): void;
  /**
   * Which code runs, for a reverse history: starts recording (a second call goes on with the
   * same record); false when this CPU cannot record.
   */
  startCoverage(): boolean;
  /**
   * Ends the stretch recorded so far: the linear [start, end) ranges of the code that ran in
   * it, maybe more (null: not recording, or anything may have run).
   */
  coverageCut(): Float64Array | null;
  /** Bytes all live snapshots hold, and at most what the next snapshot would add. */
  snapshotMemory(): { heldBytes: number; nextBytes: number };
  /** PV mode: event, timer and trap state for a debugger (null in HVM mode or before a PV load). */
  pvState?(): PvStateView | null;
  /** The VGA text screen (80x25 cells: character in the low byte, attribute in the high) and its cursor. */
  vgaText(): VgaTextView;
  /** Host input for the guest's console (UART in HVM, the PV console ring in PV). */
  serialInput?(bytes: Uint8Array): void;
}

/** Guest-physical memory a run reached: the input of an EPT footprint (emulator/vmm/ept-footprint.ts). */
export interface ReachedMemory {
  /** Page numbers: RAM pages reached, then the frames placed outside RAM (mapped in the p2m). */
  pages: number[];
  /** How many of `pages` are frames placed outside RAM. */
  placed: number;
  /** Whether 2 MiB range `range` (page >> 9) is wholly guest RAM. */
  wholeRam(range: number): boolean;
}
