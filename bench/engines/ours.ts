// Runs a bench guest under our emulator: Machine (HVM, RAM as requested) and the image
// loader, through the public machine API only. child.ts imports this file only for our
// engine, so a broken machine never keeps v86's figures from being reported.
import { readFileSync } from 'node:fs';
import type { StopReason } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import { Machine } from '../../emulator/machine';
import type { GuestRun, RunRequest } from './protocol';
import { SerialMarkers } from './markers';

/** Instructions per run() call: large enough to amortise the call, small enough to notice a stuck guest. */
const SLICE = 10_000_000;

function describe(stop: StopReason): string {
  return JSON.stringify(stop);
}

export async function runOurs(req: RunRequest): Promise<GuestRun> {
  const t0 = performance.now();
  let markers: SerialMarkers | null = null;
  const machine = new Machine({
    mode: 'hvm',
    memoryMiB: req.memoryMiB,
    serialOut: (byte) => { markers!.onByte(byte); },
  });
  // Read in the OUT's own callback: the count of instructions retired before that OUT.
  markers = new SerialMarkers(req.kind, () => machine.icount);
  const image = new Uint8Array(readFileSync(req.image));
  machine.load(loadImage(image, { ramBytes: req.memoryMiB * 1024 * 1024 }));
  const deadline = t0 + req.timeoutSeconds * 1000;
  let stop: StopReason;
  for (;;) {
    stop = machine.run(SLICE);
    if (stop.kind !== 'budget') break;
    if (performance.now() > deadline) {
      throw new Error(`ours: guest did not finish within ${req.timeoutSeconds} s (icount ${machine.icount}); serial so far: ${JSON.stringify(markers.preview())}`);
    }
  }
  if (stop.kind !== 'debug-exit' || stop.code !== 1) {
    throw new Error(`ours: guest stopped with ${describe(stop)} at icount ${machine.icount}, expected debug-exit code 1; serial so far: ${JSON.stringify(markers.preview())}`);
  }
  if (!markers.finished) throw new Error(`ours: guest exited before finishing its serial protocol: ${JSON.stringify(markers.preview())}`);
  return {
    ...markers.result(),
    engineCount: { value: machine.icount, span: 'total' },
    marks: { atStart: markers.counterAtStart, atEnd: markers.counterAtEnd },
    bootSeconds: (markers.startedAt - t0) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
