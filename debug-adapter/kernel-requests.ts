// The requests that look at a kernel as its developer does, answered from the engine: Linux's
// log and task list (`paravirt.kernelLog`, `paravirt.tasks`), the exits ranked by function and
// line (`paravirt.exitProfile`), and which frame a watch is evaluated in. The session only
// dispatches to these.

import { DwarfError } from '../emulator/loader/dwarf';
import { KERNEL_LOG_REQUEST, type ExitProfileBody, type KernelLogBody, type TasksBody } from './custom-protocol';
import type { DebugEngine } from './engine/debug-engine';
import type { FrameContext } from './engine/inspector';
import { KernelDataError } from './engine/kernel-data';
import type { RawFrame } from './engine/stack';

/** Linux's own state, read while stopped; unavailable (with why) while running or on another kernel. */
export function linuxViewBody(e: DebugEngine, command: string): KernelLogBody | TasksBody {
  const unavailable = (reason: string): KernelLogBody | TasksBody => (command === KERNEL_LOG_REQUEST
    ? { available: false, reason, lines: [], records: [], firstSeq: null }
    : { available: false, reason, tasks: [] });
  if (e.running) return unavailable('the guest is running');
  try {
    return command === KERNEL_LOG_REQUEST ? { available: true, ...e.kernelLog() } : { available: true, tasks: e.tasks() };
  } catch (err) {
    if (!(err instanceof KernelDataError) && !(err instanceof DwarfError)) throw err;
    return unavailable(err.message);
  }
}

/** The exits so far ranked by function and by line (what the exit profile will hold). */
export function exitProfileBody(e: DebugEngine, profiling: boolean, args: unknown, functionOf: (a: number) => string | undefined,
  lineOf: (a: number) => { file: string; line: number } | undefined): ExitProfileBody | { error: string } {
  const top = (args as { top?: unknown } | undefined)?.top ?? 50;
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > 10000) return { error: 'paravirt.exitProfile: top must be from 1 to 10000' };
  if (!profiling) {
    return { available: false, reason: 'the launch configuration has profile: false, so exits are not aggregated by address', total: 0, cyclesAreEstimates: true, functions: [], lines: [] };
  }
  return { available: true, total: e.profile.total, cyclesAreEstimates: true, ...e.profile.ranking(functionOf, lineOf, top) };
}

/** A caller's frame to evaluate in (the Watch and Debug Console follow the selected frame); undefined: the innermost. */
export function frameContext(e: DebugEngine, frames: () => RawFrame[], frameId: number | undefined): FrameContext | undefined {
  const index = Number(frameId) || 0;
  const frame = index > 0 ? frames()[index] : undefined;
  if (!frame) return undefined;
  const fv = e.frameVariables(frame, frame.exactPc === true || frame.interruptedBy !== undefined);
  if (!fv) return undefined;
  const innermost = (frame.level ?? index) === 0;
  const regBytes = innermost ? e.inspect.regBytes : frame.regBytes;
  return { fn: fv.fn, params: fv.params, locals: fv.locals, regs: fv.regs, innermost, ...(regBytes ? { regBytes } : {}) };
}
