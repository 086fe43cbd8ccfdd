// The debugger engine: a Machine plus symbols, line table, breakpoints, exception filters and
// run control. No DAP import: the session (../session.ts) translates between this and the
// protocol, the way vscode-mock-debug's runtime and session divide the work. It reads no
// files: the session hands it the image bytes.

import { EventEmitter } from 'node:events';
import { Machine } from '../../emulator/machine';
import { TICKS_PER_SECOND } from '../../emulator/clock';
import { asImage, type KernelImage } from '../../emulator/loader';
import type { LineTable, SourceLine } from '../../emulator/loader/dwarf/line-table';
import type { DebugInfo, FunctionInfo, Regs, Variable } from '../../emulator/loader/dwarf';
import type { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { moveKernelAddress } from '../../emulator/loader/dwarf/relocate';
import { KaslrProbe } from './kaslr';
import { decodeInfo } from '../../emulator/isa';
import type { BootPlan, ExitRecord, MachineApi, StopReason } from '../../emulator/machine';
import { BreakpointSet, type BreakpointOptions, type UserBreakpoint } from './breakpoints';
import type { SymbolTable } from './symbols';
import { compileExpression, type ExpressionScope, type Value } from '../../emulator/expression';
import { compileFilter, recordScope, type ActiveFilter } from './exception-filters';
import { RunProfile } from './exit-profile';
import { PvKind, isPvRecord, pvKindName } from '../../emulator/trace/record-kinds';
import { csBase, codeBits } from './cpu-view';
import type { RawFrame } from './stack';
import { Stepper } from './stepping';
import { hiddenInlineFrames, withInlineFrames } from './inline-frames';
import { Inspector, type FrameContext } from './inspector';
import { orcTableOf } from './orc-file';
import { readKernelLog, type KernelLog } from './linux-log';
import { readTaskList, type TaskInfo } from './linux-tasks';
import { asAddress, gpr, longCpu, rip } from './long-mode-view';
import { History, describeHistory } from './history';
import { Rewinder } from './reverse';
import { Watches, type WatchRequest } from './watches';
import { placeFunctionBreakpoints, placeSourceBreakpoints, type FunctionBreakpointResult, type SourceBreakpointResult } from './breakpoint-placement';
import { bootPlan, debugData, machineOptions } from './guest-setup';
import type { LaunchConfig } from '../launch-config';
import type { EndInfo, Outcome, StopInfo } from './outcome';

export type { EndInfo, Outcome, StopInfo, StopKind } from './outcome';

/**
 * Run slices adapt to the guest's speed so each lasts about SLICE_MS: long enough that
 * yielding to the event loop costs nothing measurable, short enough that pause and other
 * requests are answered well within 100 ms even for slow (paged, PV) code. A slice is timed by
 * the lesser of wall-clock and CPU time: on a loaded host most of a slice's wall time is other
 * processes' turns, and sizing slices by it shrank them toward SLICE_MIN, where the costs paid
 * per slice (the yield, the history's clock) became a measurable share of the run.
 */
const SLICE_MS = 25;
const SLICE_MIN = 20_000;
const SLICE_MAX = 50_000_000;

/**
 * Where the time of the latest continue or step went (the `paravirt.runStats` request): the
 * difference between wallMs and machineMs is what the debugger itself cost.
 */
export interface RunStats { instructions: number; wallMs: number; machineMs: number; slices: number; snapshots: number; snapshotMs: number }

export interface EngineEvents {
  stopped: [StopInfo];
  /** User breakpoints moved to the kernel's running addresses (KASLR): each one's id and first address. */
  breakpointsMoved: [Array<{ id: number; address: number }>];
  output: [string, 'stdout' | 'console' | 'stderr'];
  end: [EndInfo];
}

/** Instructions run between two Debug Console lines about the reverse history (see announceHistory). */
const ANNOUNCE_AFTER = 50_000_000;

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

function safe(f: () => boolean): boolean { try { return f(); } catch { return true; } }

export class DebugEngine extends EventEmitter<EngineEvents> {
  readonly machine: MachineApi;
  readonly symbols: SymbolTable;
  readonly lines: LineTable;
  /** Functions, variables, types and CFI; null when the image has no readable DWARF. */
  readonly dwarf: DebugInfo | null;
  readonly plan: BootPlan;
  readonly breakpoints: BreakpointSet;
  readonly profile = new RunProfile();
  private filters: ActiveFilter[] = [];
  private fatalStops = new Set<string>(['triple-fault', 'domain-crash']);
  private readonly watches: Watches;
  private matched: ExitRecord | undefined;
  private busy = false;
  private pauseWanted = false;
  /** Instructions in the next run slice (see SLICE_MS). */
  private slice = 200_000;
  private ended: EndInfo | null = null;
  private pendingEnd: EndInfo | null = null;
  private readonly tempBps = new Set<number>();
  private tempCheck: (() => boolean) | null = null;
  /** Snapshots for reverse execution (null: none kept). */
  readonly history: History | null;
  private readonly rewinder: Rewinder | null;
  /** The latest run's statistics, and the one being gathered. */
  lastRun: RunStats | null = null;
  private run: (RunStats & { t0: number; icount0: number; taken0: number; takenMs0: number }) | null = null;
  /** What the last Debug Console line about the history said (see announceHistory). */
  private announced: { thinned: number; skipped: number; icount: number } | null = null;
  /** True while re-executing for stepBack/reverseContinue: no output, no profile, no events. */
  private replaying = false;

  /** `hypervisorOut`: console_io bytes when the configuration keeps them apart from serial. */
  /** `files`: what the session read besides the program (the initrd of a Linux kernel, the `symbols` debug file). */
  constructor(readonly config: LaunchConfig, source: Uint8Array | KernelImage, serialOut: (byte: number) => void, hypervisorOut?: (byte: number) => void,
    files: { initrd?: Uint8Array; symbols?: DebugFile } = {}) {
    super();
    // One parse of the image for the loader, the symbols, the line table and DWARF.
    const image = asImage(source);
    this.plan = bootPlan(config, image, files.initrd);
    this.machine = new Machine(machineOptions(config, (b) => { if (!this.replaying) serialOut(b); }, (b) => { if (!this.replaying) hypervisorOut?.(b); }));
    this.machine.load(this.plan);
    const sep = files.symbols;
    // A separate debug file (a vmlinux beside the bzImage): its symbols and DWARF, read lazily.
    ({ symbols: this.symbols, lines: this.lines, dwarf: this.dwarf, image64: this.image64 } = debugData(image, this.plan, sep));
    this.separate = sep ?? null;
    this.breakpoints = new BreakpointSet(this.machine, this.image64);
    this.watches = new Watches(this.machine);
    this.inspect = new Inspector(this.machine, this.dwarf, this.symbols, () => this.pc(), this.image64);
    if (sep) this.inspect.orc = orcTableOf(sep);
    this.installExitHook();
    // With `nokaslr` the link addresses hold; otherwise find where the kernel runs (kaslr.ts).
    // (A Xen PV kernel runs where it was linked and never enters x86_64_start_kernel.)
    if (this.separate && config.mode !== 'pv' && !/(^|\s)nokaslr(\s|$)/.test(config.cmdline)) {
      this.kaslr = KaslrProbe.create(this.separate, {
        addBreakpoint: (a) => this.machine.addBreakpoint(a), removeBreakpoint: (a) => this.machine.removeBreakpoint(a),
        readLinear: (a, n) => this.machine.readLinear(a, n), userAt: (a) => this.breakpoints.has(a),
      });
    }
    // A machine snapshot holds the PV hypervisor's state too (trap table, callbacks, event
    // channels, timers, page types, the exit log), so both modes can run backwards.
    this.history = new History(this.machine, config.historyBytes);
    this.rewinder = new Rewinder({
      machine: this.machine, history: this.history, lines: this.lines, pc: () => this.pc(),
      setReplaying: (on) => { this.replaying = on; }, instructionsPerMs: () => this.slice / SLICE_MS,
      breakpointsHere: () => this.breakpointsHere(), breakpointAddresses: () => (this.filters.length === 0 ? this.breakpoints.addresses() : null),
      matchedExit: () => this.matched, takePause: () => { const p = this.pauseWanted; this.pauseWanted = false; return p; },
    });
  }

  /** The `symbols` debug file, when the launch gave one. */
  private separate: DebugFile | null = null;
  private kaslr: KaslrProbe | null = null;

  /** The kernel runs `delta` from its link addresses: the user's breakpoints follow the symbols (kaslr.ts). */
  private kaslrFound(delta: number): void {
    if (delta !== 0) {
      this.breakpoints.relocate((a) => moveKernelAddress(a, delta));
      this.inspect.orc?.relocate(delta);
      this.emit('breakpointsMoved', this.breakpoints.all().map((b) => ({ id: b.id, address: b.address })));
    }
    this.emit('output', `KASLR: the kernel runs ${this.separate!.describeOffset()} (x86_64_start_kernel at 0x${BigInt.asUintN(64, BigInt(this.pc())).toString(16)}); symbols, lines and breakpoints follow it\n`, 'console');
  }

  // ---- state -------------------------------------------------------------------------

  get running(): boolean { return this.busy; }
  get isEnded(): boolean { return this.ended !== null; }
  get lastMatchedExit(): ExitRecord | undefined { return this.matched; }
  get latestExit(): ExitRecord | undefined { return this.machine.exits.total > 0 ? this.machine.exits.recent(1)[0] : undefined; }

  /** The image is ELF64 (x86-64). */
  readonly image64: boolean;

  /**
   * Linear address of the next instruction. In 64-bit mode RIP itself (no CS base), as the
   * DWARF reader keeps addresses: the signed value of the 64 bits, exact for canonical ones.
   */
  pc(): number {
    const c = longCpu(this.machine);
    if (c?.long64) return asAddress(rip(c));
    return (csBase(this.machine) + this.machine.getRegisters().eip) >>> 0;
  }

  sourceAt(addr: number): SourceLine | undefined { return this.lines.lookup(addr); }

  readonly inspect: Inspector;

  read(addr: number, size: 1 | 2 | 4): number | null { return this.inspect.read(addr, size); }
  /** Names for expressions: variables, registers, symbols (their address). */
  scope(): ExpressionScope { return this.inspect.scope(); }
  evaluate(text: string, frame?: FrameContext): Value { return this.inspect.evaluate(text, frame); }
  /** The kernel log from Linux's printk ring buffer (linux-log.ts); throws KernelDataError when there is none. */
  kernelLog(): KernelLog { return readKernelLog(this.inspect.perCpu, this.readMemory); }
  /** Linux's task list (linux-tasks.ts); throws KernelDataError when there is none. */
  tasks(): TaskInfo[] { return readTaskList(this.inspect.perCpu, this.readMemory, this.inspect.perCpu.currentTaskAddress()); }
  evaluateNumber(text: string): number { return this.inspect.evaluateNumber(text); }
  describeValue(v: Value): ReturnType<Inspector['describeValue']> { return this.inspect.describeValue(v); }
  dwarfRegs(): Regs { return this.inspect.dwarfRegs(); }
  readonly readMemory = (addr: number, len: number): Uint8Array | null => this.machine.readLinear(this.image64 ? addr : addr >>> 0, len);
  /** Inlined calls at the innermost pc not entered yet (gdb shows their call site until a step in). */
  private hiddenInline = 0;
  private stepperMade: Stepper | undefined;
  private get stepper(): Stepper {
    return this.stepperMade ??= new Stepper({
      machine: this.machine, lines: this.lines, dwarf: this.dwarf,
      pc: () => this.pc(), hiddenInline: () => this.hiddenInline,
      takePause: () => { const p = this.pauseWanted; this.pauseWanted = false; return p; },
      instrAt: (a) => this.instrAt(a), stepOnce: () => this.stepOnce(), userHit: (a) => this.userHit(a),
      runToReturn: (r, e) => this.runToReturn(r, e),
      sp: () => this.sp(), advance: (pc, n) => this.advance(pc, n),
    });
  }
  /** The call stack, inlined calls as frames of their own (see inline-frames.ts). */
  frames(): RawFrame[] { return withInlineFrames(this.inspect.frames(), this.dwarf, this.lines, this.hiddenInline); }
  frameVariables(frame: RawFrame, innermost: boolean): ReturnType<Inspector['frameVariables']> {
    const fn = frame.inline && (frame.fn ?? this.dwarf?.functionAt(innermost ? frame.pc : frame.pc - 1));
    if (!frame.inline || !fn) return this.inspect.frameVariables(frame, innermost);
    return { fn, params: frame.inline.params, locals: frame.inline.locals, regs: frame.regs ?? this.dwarfRegs() };
  }
  addressOf(name: string): ReturnType<Inspector['addressOf']> { return this.inspect.addressOf(name); }
  writeVariable(v: Variable, fn: FunctionInfo | null, value: number | bigint, regs: Regs, innermost: boolean): string | null { return this.inspect.writeVariable(v, fn, value, regs, innermost); }

  // ---- breakpoints -------------------------------------------------------------------

  setSourceBreakpoints(matches: (file: string) => boolean, requested: Array<{ line: number } & BreakpointOptions>, key: string): SourceBreakpointResult[] {
    return placeSourceBreakpoints(this.breakpoints, this.lines, matches, requested, key);
  }

  setFunctionBreakpoints(requested: Array<{ name: string } & BreakpointOptions>): FunctionBreakpointResult[] {
    return placeFunctionBreakpoints(this.breakpoints, this.dwarf, this.lines, this.symbols, requested, (text) => this.evaluateNumber(text));
  }

  setInstructionBreakpoints(requested: Array<{ address: number } & BreakpointOptions>): Array<{ verified: boolean; id?: number; address?: number; message?: string }> {
    this.breakpoints.clear('instruction');
    return requested.map((req) => {
      try { return { verified: true, id: this.breakpoints.add('instruction', req.address, req).id, address: req.address >>> 0 }; } catch (e) { return { verified: false, message: (e as Error).message }; }
    });
  }

  setDataBreakpoints(requested: WatchRequest[]): Array<{ verified: boolean; id: number; message?: string }> { return this.watches.set(requested); }

  private watchHit(r: Extract<StopReason, { kind: 'watchpoint' }>): Outcome | null {
    return this.watches.hit(r, this.scope(), (message) => this.emit('output', message, 'stderr'));
  }

  /** Throws for an unknown filter or an unreadable condition (nothing changes then). */
  setExceptionFilters(filters: Array<{ id: string; condition?: string }>): void {
    const compiled = filters.filter((f) => f.id !== 'triple-fault' && f.id !== 'domain-crash').map((f) => compileFilter(f.id, f.condition));
    for (const f of filters) if (f.id === 'triple-fault' || f.id === 'domain-crash') compileFilter(f.id);
    this.filters = compiled;
    this.installExitHook();
    this.fatalStops = new Set(filters.filter((f) => f.id === 'triple-fault' || f.id === 'domain-crash').map((f) => f.id));
  }

  /**
   * The machine calls a hook per exit only when something needs it (the exit profile, an
   * exception filter): with neither, exits cost the debugger nothing.
   */
  private installExitHook(): void {
    const profiling = this.config.profile !== null;
    if (!profiling && this.filters.length === 0) { this.machine.setExitFilter(null); return; }
    this.machine.setExitFilter((r) => {
      // A PVH domain's Xen records sit in the VMM's log, which names only Intel's reasons.
      if (isPvRecord(r.reason)) r.reasonName = pvKindName(r.reason);
      if (this.replaying) return this.filters.length > 0 && this.filterHit(r);
      if (profiling) this.profile.add(r);
      return this.filters.length > 0 && this.filterHit(r);
    });
  }

  private filterHit(r: ExitRecord): boolean {
    const s = recordScope(r, this.scope(), () => this.machine.getRegisters().cr2);
    for (const f of this.filters) {
      let hit = false;
      try { hit = f.test(r, s); } catch (e) { if (!this.replaying) this.emit('output', `exception filter '${f.id}': ${(e as Error).message}\n`, 'stderr'); }
      if (hit) { this.matched = r; return true; }
    }
    return false;
  }

  private exitsReported = 0;

  /** Up to `max` exits recorded since the last call (newest last), and how many more there were. */
  drainExits(max: number): { latest: ExitRecord[]; dropped: number } {
    const total = this.machine.exits.total;
    const fresh = Math.max(0, total - this.exitsReported);
    this.exitsReported = total;
    const latest = fresh > 0 ? this.machine.exits.recent(Math.min(max, fresh)) : [];
    return { latest, dropped: fresh - latest.length };
  }

  // ---- run control -------------------------------------------------------------------

  start(): void {
    if (this.config.stopOnEntry) this.emit('stopped', { kind: 'entry', description: 'Stopped at the entry point' });
    else this.continue();
  }

  pause(): void {
    if (!this.busy) return;
    // Requests arrive only between slices (run() is synchronous), so the flag, checked before
    // every slice, is enough; the machine's own pause latch would outlive this stop.
    this.pauseWanted = true;
  }

  continue(): void { this.forward(); this.launchOp(async () => this.drive(), true); }

  /** The user changed registers or memory: recorded snapshots after this point describe another run. */
  stateEdited(): void { this.history?.truncateAfter(this.machine.icount); }

  /** Going forward from a rewound point: snapshots of the old future may not hold any more (state edits). */
  private forward(): void { if (!this.busy) this.history?.truncateAfter(this.machine.icount); }

  stepInstruction(kind: 'over' | 'in' | 'out'): void { this.forward(); this.launchOp(() => this.stepper.instruction(kind)); }

  stepLine(kind: 'over' | 'in' | 'out'): void {
    if (!this.lines.lookup(this.pc())) { this.stepInstruction(kind); return; }
    this.forward();
    this.launchOp(() => this.stepper.line(kind));
  }

  /** One instruction (or one source line) back in time. Throws when there is no history. */
  stepBack(granularity: 'instruction' | 'line'): void {
    this.requireHistory();
    this.launchOp(() => this.rewinder!.stepBack(granularity));
  }

  /** Back to the latest earlier breakpoint hit or exception-filter match, or to the start of the run. */
  reverseContinue(): void {
    this.requireHistory();
    this.launchOp(() => this.rewinder!.reverseContinue(), true);
  }

  /** User breakpoints at the pc whose conditions hold (no hit counts or log points: replay only looks). */
  private breakpointsHere(): number[] {
    return this.breakpoints.at(this.pc()).filter((b) => !b.logMessage && (!b.condition || safe(() => b.condition!(this.scope())))).map((b) => b.id);
  }

  private requireHistory(): History {
    if (!this.history) throw new Error('no execution history is kept for this guest');
    if (this.busy) throw new Error('the guest is running');
    return this.history;
  }

  /** Ends the run: the session calls this on terminate/disconnect. */
  stop(): void {
    this.pause();
    this.ended ??= { message: 'session terminated', exitCode: 0 };
  }

  /** `announce`: after the stop, a Debug Console line says what the history holds (runs, not steps). */
  private launchOp(op: () => Promise<Outcome>, announce = false): void {
    if (this.busy) return;
    if (this.pendingEnd) { const e = this.pendingEnd; this.pendingEnd = null; this.finish(e); return; }
    if (this.ended) return;
    this.busy = true;
    this.pauseWanted = false;
    this.history?.resumed();
    this.run = {
      instructions: 0, wallMs: 0, machineMs: 0, slices: 0, snapshots: 0, snapshotMs: 0, t0: performance.now(), icount0: this.machine.icount,
      taken0: this.history?.taken ?? 0, takenMs0: this.history?.takenMs ?? 0,
    };
    op().then((o) => this.report(o, announce), (e) => this.report({ kind: 'end', info: { message: `internal error: ${(e as Error)?.stack ?? e}`, exitCode: 1 } }, false));
  }

  private report(o: Outcome, announce: boolean): void {
    this.busy = false;
    const r = this.run;
    if (r) {
      this.lastRun = {
        instructions: this.machine.icount - r.icount0, wallMs: performance.now() - r.t0, machineMs: r.machineMs, slices: r.slices,
        snapshots: (this.history?.taken ?? 0) - r.taken0, snapshotMs: (this.history?.takenMs ?? 0) - r.takenMs0,
      };
      this.run = null;
    }
    if (this.ended) return;
    if (o.kind === 'end') { this.finish(o.info); return; }
    this.hiddenInline = this.inlineHiddenAt(o);
    this.emit('stopped', o.kind === 'temp' ? { kind: 'step', description: 'Step done' } : o.info);
    // After the stopped event has gone out (stdout writes are synchronous), before any request
    // is read: the user sees the stop without waiting for the copy of guest RAM.
    this.history?.atStop();
    if (announce && this.history) this.announceHistory(this.history);
  }

  /**
   * gdb's rule for a stop: inlined calls whose code starts at the pc are not entered yet, except
   * where the user asked for the code there (a line or address breakpoint) or for the function
   * (a function breakpoint shows its frame).
   */
  private inlineHiddenAt(o: Outcome): number {
    if (o.kind === 'stop' && o.inlineHidden !== undefined) return o.inlineHidden;
    const kind = o.kind === 'stop' ? o.info.kind : 'step';
    if (kind === 'breakpoint' || kind === 'instruction breakpoint') return 0;
    const pc = this.pc();
    const keep = kind === 'function breakpoint' ? new Set(this.breakpoints.at(pc).map((b) => b.functionName ?? '')) : undefined;
    const n = hiddenInlineFrames(this.dwarf, pc, keep);
    return o.kind === 'stop' && o.enterInline && n > 0 ? n - 1 : n;
  }

  /**
   * The Debug Console's line about the history, after a run long enough for it to matter
   * (ANNOUNCE_AFTER instructions since the previous line) or when the store was thinned or
   * refused a snapshot since then.
   */
  private announceHistory(h: History): void {
    const s = h.stats();
    const last = this.announced;
    if (last && h.thinned === last.thinned && s.skipped === last.skipped && Math.abs(this.machine.icount - last.icount) < ANNOUNCE_AFTER) return;
    if (!last && s.skipped === 0 && this.machine.icount < ANNOUNCE_AFTER) return;
    this.announced = { thinned: h.thinned, skipped: s.skipped, icount: this.machine.icount };
    this.emit('output', describeHistory(s) + '\n', 'console');
  }

  private finish(info: EndInfo): void {
    if (this.ended) return;
    this.ended = info;
    this.emit('end', info);
  }

  /** Run in slices until something the user must see; breakpoint conditions and log points are handled here. */
  private async drive(): Promise<Outcome> {
    const m = this.machine;
    for (;;) {
      if (this.pauseWanted || this.ended) { this.pauseWanted = false; return this.pausedOutcome(); }
      const left = this.config.maxInstructions - m.icount;
      if (left <= 0) return { kind: 'end', info: { message: `stopped after ${m.icount} instructions (maxInstructions)`, exitCode: 0 } };
      const untilTicks = this.config.maxTime * TICKS_PER_SECOND;
      if (m.ticks >= untilTicks) return { kind: 'end', info: { message: `stopped after ${this.config.maxTime} s of virtual time (maxTime)`, exitCode: 0 } };
      const budget = Math.min(this.slice, left, this.history ? this.history.untilNext() : this.slice);
      const t0 = performance.now(), c0 = process.cpuUsage();
      const r = m.run(budget, untilTicks);
      const ms = performance.now() - t0, cpu = process.cpuUsage(c0);
      if (this.run) { this.run.machineMs += ms; this.run.slices++; }
      this.adaptSlice(budget, Math.min(ms, (cpu.user + cpu.system) / 1000), r.kind === 'budget');
      this.history?.maybeTake();
      if (r.kind === 'budget') { await yieldNow(); continue; }
      if (r.kind === 'paused') { this.pauseWanted = false; return this.pausedOutcome(); }
      if (r.kind === 'watchpoint') { const o = this.watchHit(r); if (o) return o; continue; }
      if (r.kind === 'breakpoint') {
        // The CPU matches breakpoints by the low 32 bits of the linear address; the pc is the
        // whole address (in 64-bit mode RIP, as the breakpoints are keyed).
        const at = this.image64 ? this.pc() : r.address;
        if (this.kaslr?.hit(at, (d) => this.kaslrFound(d)) && !this.breakpoints.has(at)) continue;
        const temp = this.tempBps.has(at) && (this.tempCheck?.() ?? true);
        const user = this.userHit(at);
        if (user) return user;
        if (temp) return { kind: 'temp' };
        continue;
      }
      return this.translate(r);
    }
  }

  /** Scale the next slice toward SLICE_MS from how long a full one took. */
  private adaptSlice(budget: number, ms: number, full: boolean): void {
    if (!full || budget < this.slice) return;
    const scaled = ms > 0 ? this.slice * (SLICE_MS / ms) : this.slice * 2;
    this.slice = Math.max(SLICE_MIN, Math.min(SLICE_MAX, Math.round(Math.min(scaled, this.slice * 2))));
  }

  private pausedOutcome(): Outcome { return { kind: 'stop', info: { kind: 'pause', description: 'Paused' } }; }

  /** A stop at a user breakpoint, unless its condition, hit count or log point says go on. */
  private userHit(addr: number): Outcome | null {
    const bps = this.breakpoints.at(addr);
    if (bps.length === 0) return null;
    const scope = this.scope();
    const stopping: UserBreakpoint[] = [];
    for (const bp of bps) {
      let ok = true;
      if (bp.condition) {
        try { ok = bp.condition(scope); } catch (e) { this.emit('output', `breakpoint condition: ${(e as Error).message}\n`, 'stderr'); ok = true; }
      }
      if (!ok) continue;
      bp.hits++;
      if (bp.hitCondition && !bp.hitCondition(bp.hits)) continue;
      if (bp.logMessage) { this.emit('output', this.interpolate(bp.logMessage) + '\n', 'console'); continue; }
      stopping.push(bp);
    }
    if (stopping.length === 0) return null;
    const kind = stopping[0]!.kind;
    return {
      kind: 'stop',
      info: {
        kind: kind === 'function' ? 'function breakpoint' : kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint',
        description: `Breakpoint at 0x${addr.toString(16)}`,
        breakpointIds: [...new Set(stopping.map((b) => b.id))],
      },
    };
  }

  private interpolate(msg: string): string {
    return msg.replace(/\{([^}]*)\}/g, (_, e: string) => {
      try {
        const v = compileExpression(e)(this.scope());
        return typeof v === 'number' ? `0x${v.toString(16)}` : typeof v === 'string' ? v : this.describeValue(v).text;
      } catch (err) { return `<${(err as Error).message}>`; }
    });
  }

  /** Machine stop reasons other than budget/pause/breakpoint. */
  private translate(r: StopReason): Outcome {
    switch (r.kind) {
      case 'step': return { kind: 'stop', info: { kind: 'step', description: 'Step done' } };
      case 'watchpoint': return this.watchHit(r) ?? { kind: 'stop', info: { kind: 'step', description: 'Step done' } };
      case 'filter': {
        const e = this.matched;
        return { kind: 'stop', info: { kind: 'exception', description: e ? `${e.reason === PvKind.HYPERCALL ? `hypercall ${e.handler}` : e.reasonName} at 0x${e.eip.toString(16)}` : 'exception filter matched', exit: e, text: e?.reasonName } };
      }
      // The port takes the guest's own code; QEMU's status is (code << 1) | 1, so a clean
      // machine_exit(0) is status 1, which read alone looks like a failure.
      case 'debug-exit': return { kind: 'end', info: { message: `guest exit code ${(r.code - 1) / 2} (isa-debug-exit status ${r.code})`, exitCode: r.code } };
      case 'shutdown': return { kind: 'end', info: { message: `guest shut down (${r.reason}), code ${r.code}`, exitCode: r.code } };
      case 'reset': return { kind: 'end', info: { message: `guest asked for a reset (${r.via}); the session ends`, exitCode: 0 } };
      case 'triple-fault': return this.fatal('triple-fault', `triple fault: ${r.detail}`);
      case 'domain-crash': return this.fatal('domain-crash', `domain crash: ${r.detail}`);
      case 'halted': return this.fatal('halted', `guest halted for good: ${r.detail}`);
      default: return { kind: 'stop', info: { kind: 'pause', description: r.kind } };
    }
  }

  /** A condition the guest cannot go on from: stop to let the user look (if the filter is on), then end. */
  private fatal(id: string, message: string): Outcome {
    const end = { message, exitCode: 1 };
    if (id !== 'halted' && !this.fatalStops.has(id)) return { kind: 'end', info: end };
    this.pendingEnd = end;
    return { kind: 'stop', info: { kind: 'exception', description: message, text: id, fatal: message } };
  }

  private instrAt(addr: number): { length: number; mnemonic: string } | null {
    const b = this.machine.readLinear(addr, 16) ?? this.machine.readLinear(addr, 1);
    return b ? decodeInfo(b, codeBits(this.machine)) : null;
  }

  /** The stack pointer: ESP, or in 64-bit mode RSP as a signed address (comparable within a half). */
  private sp(): number {
    const c = longCpu(this.machine);
    return c?.long64 ? asAddress(gpr(c, 4)) : this.machine.getRegisters().esp >>> 0;
  }

  private advance(pc: number, n: number): number {
    return longCpu(this.machine)?.long64 ? asAddress(BigInt(pc) + BigInt(n)) : (pc + n) >>> 0;
  }

  /** One machine step, turned into an outcome (null: an ordinary step). */
  private stepOnce(): Outcome | null {
    const r = this.machine.step();
    this.history?.maybeTake();
    if (r.kind === 'step' || r.kind === 'budget') return null;
    if (r.kind === 'watchpoint') return this.watchHit(r);
    return this.translate(r);
  }

  /** Runs until the instruction after the call at the current pc returns (recursion-safe). */
  private async runToReturn(retAddr: number, espAtCall: number): Promise<Outcome> {
    const had = this.tempBps.has(retAddr);
    this.tempBps.add(retAddr);
    this.machine.addBreakpoint(retAddr);
    this.tempCheck = () => this.sp() >= espAtCall;
    try {
      return await this.drive();
    } finally {
      this.tempCheck = null;
      if (!had) {
        this.tempBps.delete(retAddr);
        if (!this.breakpoints.has(retAddr)) this.machine.removeBreakpoint(retAddr);
      }
    }
  }
}
