// Stepping by line and by instruction, over, into and out of calls and of inlined calls, as
// gdb does (infrun.c): the engine's run control calls in here and hands over what a step
// needs (StepHost). See inline-frames.ts for how inlined calls are frames, prologue.ts for
// where a step into a function stops.

import type { MachineApi } from '../../emulator/machine';
import type { DebugInfo } from '../../emulator/loader/dwarf';
import type { LineTable } from '../../emulator/loader/dwarf/line-table';
import type { Outcome } from './outcome';
import { inScope, isInlinedCallee, sameFrame, startsAt, visibleFrame } from './inline-frames';
import { afterPrologue } from './prologue';

/** What a step needs of the engine. */
export interface StepHost {
  readonly machine: MachineApi;
  readonly lines: LineTable;
  readonly dwarf: DebugInfo | null;
  /** Linear address of the next instruction. */
  pc(): number;
  /** Inlined calls at the pc not entered yet (see inline-frames.ts). */
  hiddenInline(): number;
  /** True (once) when the user asked for a pause. */
  takePause(): boolean;
  instrAt(addr: number): { length: number; mnemonic: string } | null;
  /** One machine step as an outcome; null for an ordinary step. */
  stepOnce(): Outcome | null;
  /** A stop at a user breakpoint at addr, unless its conditions say go on. */
  userHit(addr: number): Outcome | null;
  /** Runs until the call at the pc returns to retAddr (with ESP back at or above espAtCall). */
  runToReturn(retAddr: number, espAtCall: number): Promise<Outcome>;
  /** The stack pointer, comparable across a call (ESP; in 64-bit mode RSP as a signed address). */
  sp(): number;
  /** pc + n as an address of the current mode (wrapping at 2^32 outside 64-bit mode). */
  advance(pc: number, n: number): number;
}

const PAUSED: Outcome = { kind: 'stop', info: { kind: 'pause', description: 'Paused' } };
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export class Stepper {
  constructor(private readonly h: StepHost) {}

  /** One instruction: over a call (to its return), into it, or out of the frame. */
  async instruction(kind: 'over' | 'in' | 'out'): Promise<Outcome> {
    const pc = this.h.pc();
    const ins = this.h.instrAt(pc);
    if (kind === 'over' && ins?.mnemonic === 'call') {
      const o = await this.h.runToReturn(this.h.advance(pc, ins.length), this.h.sp());
      return o.kind === 'temp' ? { kind: 'stop', info: { kind: 'step', description: 'Step done' } } : o;
    }
    if (kind === 'out') return this.stepOut();
    return this.h.stepOnce() ?? this.afterStep();
  }

  /** After a single step: a user breakpoint at the new pc counts as hit. */
  private afterStep(): Outcome {
    return this.h.userHit(this.h.pc()) ?? { kind: 'stop', info: { kind: 'step', description: 'Step done' } };
  }

  /** At a function's entry after a step in: on to where its prologue ends (prologue.ts). */
  private runPastPrologue(): Outcome {
    const fn = this.h.dwarf?.functionAt(this.h.pc());
    const target = fn && fn.lowPc === this.h.pc() ? afterPrologue(this.h.lines, fn, (a, n) => this.h.machine.readLinear(a, n)) : this.h.pc();
    // A prologue is a handful of straight-line instructions; a bound keeps a surprise from running on.
    for (let n = 0; this.h.pc() !== target && n < 64; n++) {
      const o = this.h.stepOnce() ?? this.h.userHit(this.h.pc());
      if (o) return o;
    }
    return this.afterStep();
  }

  /** Steps over calls until a return leaves the current frame, or the code of the inlined call on top. */
  private async stepOut(): Promise<Outcome> {
    const startEsp = this.h.sp();
    const top = visibleFrame(this.h.dwarf, this.h.lines, this.h.pc(), this.h.hiddenInline());
    const inlined = top.depth > 0 ? top.scopes[top.scopes.length - 1]! : null;
    // Out of an inlined call entered without running (its code starts here): back to its call
    // site, nothing runs, as gdb's finish there.
    if (inlined && startsAt(inlined, this.h.pc())) return { kind: 'stop', info: { kind: 'step', description: 'Step out done' }, inlineHidden: this.h.hiddenInline() + 1 };
    for (let n = 1; ; n++) {
      if (this.h.takePause()) return PAUSED;
      const pc = this.h.pc();
      const ins = this.h.instrAt(pc);
      if (ins?.mnemonic === 'call') {
        const o = await this.h.runToReturn(this.h.advance(pc, ins.length), this.h.sp());
        if (o.kind !== 'temp') return o;
        continue;
      }
      const o = this.h.stepOnce();
      if (o) return o;
      const returned = (ins?.mnemonic === 'ret' || ins?.mnemonic === 'retf' || ins?.mnemonic?.startsWith('iret')) && (this.h.sp()) > startEsp;
      // An inlined call ends where its code does, as gdb's finish from an inline frame.
      if (returned || (inlined && !inScope(inlined, this.h.pc()))) return { kind: 'stop', info: { kind: 'step', description: 'Step out done' } };
      const hit = this.h.userHit(this.h.pc());
      if (hit) return hit;
      if (n % 10000 === 0) await yieldNow();
    }
  }

  /** One source line: next, step (into calls with line information and into inlined calls), or out. */
  async line(kind: 'over' | 'in' | 'out'): Promise<Outcome> {
    if (kind === 'out') return this.stepOut();
    // At a call site whose inlined callee is not entered yet, step enters it and runs nothing (gdb).
    if (kind === 'in' && this.h.hiddenInline() > 0) return { kind: 'stop', info: { kind: 'step', description: 'Step done' }, inlineHidden: this.h.hiddenInline() - 1 };
    const from = visibleFrame(this.h.dwarf, this.h.lines, this.h.pc(), this.h.hiddenInline());
    const start = from.line;
    const startEsp = this.h.sp();
    for (let n = 1; ; n++) {
      if (this.h.takePause()) return PAUSED;
      const pc = this.h.pc();
      const ins = this.h.instrAt(pc);
      const esp = this.h.sp();
      if (ins?.mnemonic === 'call') {
        const ret = this.h.advance(pc, ins.length);
        if (kind === 'in') {
          const o = this.h.stepOnce();
          if (o) return o;
          // Into a function with line information: stop after its prologue (gdb), or at a
          // breakpoint on the way. Without line information: step over it.
          if (this.h.lines.lookup(this.h.pc())) return this.h.userHit(this.h.pc()) ?? this.runPastPrologue();
        }
        const o = await this.h.runToReturn(ret, esp);
        if (o.kind !== 'temp') return o;
      } else {
        const o = this.h.stepOnce();
        if (o) return o;
        const isRet = ins?.mnemonic === 'ret' || ins?.mnemonic === 'retf' || ins?.mnemonic?.startsWith('iret');
        if (isRet && (this.h.sp()) > startEsp) return this.afterStep();
      }
      const here = this.h.pc();
      const hit = this.h.userHit(here);
      if (hit) return hit;
      if (this.h.lines.isStatementStart(here)) {
        const at = visibleFrame(this.h.dwarf, this.h.lines, here, 0);
        // Into a call inlined into this frame (gdb's infrun): when the call is on the line being
        // stepped, next goes through it as through a call and step enters it; a call on another
        // line stops at that call site first, and a step from there enters the call.
        if (isInlinedCallee(from, at)) {
          const call = at.scopes[from.scopes.length]!;
          const sameLine = !!start && call.callLine === start.line && call.callFile === start.file;
          if (kind === 'in' || !sameLine) return { kind: 'stop', info: { kind: 'step', description: 'Step done' }, enterInline: kind === 'in' && sameLine };
        } else {
          const l = at.line;
          if (!sameFrame(from, at) || !start || !l || l.line !== start.line || l.file !== start.file) return { kind: 'stop', info: { kind: 'step', description: 'Step done' } };
        }
      }
      if (n % 10000 === 0) await yieldNow();
    }
  }
}
