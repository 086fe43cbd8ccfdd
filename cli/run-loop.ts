// Runs a machine in slices until it stops for a reason other than the slice budget, the
// total budget is used up, or the user presses Ctrl-C. Between slices the event loop turns,
// so output is written and signals are seen while the guest runs.

import type { MachineApi, StopReason } from '../emulator/machine-api';

export interface RunLoopResult {
  stop: StopReason;
  instructions: number;
  seconds: number;
  interrupted: boolean;
}

export async function runInSlices(machine: MachineApi, o: {
  maxInstructions: number; slice: number; afterSlice: () => void;
}): Promise<RunLoopResult> {
  const startIcount = machine.icount;
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
      if (remaining <= 0) { stop = { kind: 'budget' }; break; }
      stop = machine.run(Math.min(o.slice, remaining));
      o.afterSlice();
      // The CLI's own exit filter never asks to stop, but a 'filter' stop is harmless: go on.
      if (stop.kind !== 'budget' && stop.kind !== 'filter' && stop.kind !== 'paused') break;
      if (interrupted) { stop = { kind: 'paused' }; break; }
      if (stop.kind === 'paused') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { stop, instructions: machine.icount - startIcount, seconds, interrupted };
}
