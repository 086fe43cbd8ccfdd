// Runs a machine in slices until it stops for a reason other than the slice budget, the
// total budget is used up, or the user presses Ctrl-C. Between slices the event loop turns,
// so output is written and signals are seen while the guest runs.

import type { MachineApi, StopReason } from '../emulator/machine';
import { TICKS_PER_SECOND } from '../emulator/clock';

export interface RunLoopResult {
  stop: StopReason;
  instructions: number;
  seconds: number;
  /** Virtual seconds the run covered (instructions plus idle time). */
  virtualSeconds: number;
  interrupted: boolean;
  /** Which limit ended a 'budget' stop. */
  limit?: 'instructions' | 'time';
}

/** Aim for slices of about this long, so output streams and Ctrl-C is answered promptly. */
const TARGET_SLICE_NS = 50_000_000;
const MIN_SLICE = 100_000;
const MAX_SLICE = 50_000_000;

export async function runInSlices(machine: MachineApi, o: {
  maxInstructions: number; slice: number; afterSlice: () => void;
  /** End the run after this much virtual time (seconds), however little of it was spent running. */
  maxTimeSeconds?: number;
  /** Whether an exit filter that matched ends the run (--stop-on) or only observed it. */
  stopOnFilter?: boolean;
}): Promise<RunLoopResult> {
  // Guests run from a few MIPS (exit-heavy) to hundreds; the slice follows the measured speed.
  let slice = Math.max(MIN_SLICE, Math.min(MAX_SLICE, o.slice));
  const startIcount = machine.icount;
  const startTicks = machine.ticks;
  const untilTicks = o.maxTimeSeconds === undefined ? Infinity : startTicks + Math.ceil(o.maxTimeSeconds * TICKS_PER_SECOND);
  let limit: RunLoopResult['limit'];
  const start = process.hrtime.bigint();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: the user really wants out
    interrupted = true;
    machine.requestPause();
  };
  process.on('SIGINT', onSigint);
  let stop: StopReason = { kind: 'budget' };
  try {
    for (;;) {
      const remaining = o.maxInstructions - (machine.icount - startIcount);
      if (remaining <= 0) { stop = { kind: 'budget' }; limit = 'instructions'; break; }
      if (machine.ticks >= untilTicks) { stop = { kind: 'budget' }; limit = 'time'; break; }
      const before = machine.icount;
      const t0 = process.hrtime.bigint();
      stop = machine.run(Math.min(slice, remaining), untilTicks);
      const ns = Number(process.hrtime.bigint() - t0);
      const done = machine.icount - before;
      if (done >= slice / 2 && ns > 0) {
        slice = Math.round(Math.max(MIN_SLICE, Math.min(MAX_SLICE, (done * TARGET_SLICE_NS) / ns)));
      }
      o.afterSlice();
      if (stop.kind === 'filter' && o.stopOnFilter) break;
      // Without --stop-on the CLI's filter only observes exits; a 'filter' stop would be harmless: go on.
      if (stop.kind !== 'budget' && stop.kind !== 'filter' && stop.kind !== 'paused') break;
      if (interrupted) { stop = { kind: 'paused' }; break; }
      if (stop.kind === 'paused') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const virtualSeconds = (machine.ticks - startTicks) / TICKS_PER_SECOND;
  return { stop, instructions: machine.icount - startIcount, seconds, virtualSeconds, interrupted, ...(limit ? { limit } : {}) };
}
