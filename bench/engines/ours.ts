// Runs a bench guest under our emulator: Machine (HVM, RAM as requested) and the image
// loader, through the public machine API only. The machine and loader modules are
// imported at run time so the bench still reports v86's figures while they are missing.
import { readFileSync } from 'node:fs';
import type { BootPlan, MachineApi, MachineOptions, StopReason } from '../../emulator/machine-api';
import type { GuestRun, RunRequest } from './protocol';
import { SerialMarkers } from './markers';

type MachineCtor = new (options: MachineOptions) => MachineApi;
type LoadImage = (bytes: Uint8Array, options?: Record<string, unknown>) => BootPlan;

// Module paths kept in variables: the type checker must not require them to exist yet.
const MACHINE_MODULE = '../../emulator/machine';
const LOADER_MODULE = '../../emulator/loader';

/** Instructions per run() call: large enough to amortise the call, small enough to notice a stuck guest. */
const SLICE = 10_000_000;

export async function loadOurs(): Promise<{ Machine: MachineCtor; loadImage: LoadImage }> {
  let machineMod: Record<string, unknown>;
  let loaderMod: Record<string, unknown>;
  try {
    machineMod = await import(MACHINE_MODULE) as Record<string, unknown>;
    loaderMod = await import(LOADER_MODULE) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`our emulator is not available yet (${(e as Error).message.split('\n')[0]})`);
  }
  const Machine = machineMod.Machine as MachineCtor | undefined;
  const loadImage = loaderMod.loadImage as LoadImage | undefined;
  if (typeof Machine !== 'function') throw new Error('emulator/machine does not export class Machine');
  if (typeof loadImage !== 'function') throw new Error('emulator/loader does not export loadImage');
  return { Machine, loadImage };
}

function describe(stop: StopReason): string {
  return JSON.stringify(stop);
}

export async function runOurs(req: RunRequest): Promise<GuestRun> {
  const { Machine, loadImage } = await loadOurs();
  const t0 = performance.now();
  let markers: SerialMarkers | null = null;
  const machine = new Machine({
    mode: 'hvm',
    memoryMiB: req.memoryMiB,
    serialOut: (byte) => { markers!.onByte(byte); },
  });
  markers = new SerialMarkers(req.kind, null);
  const image = new Uint8Array(readFileSync(req.image));
  machine.load(loadImage(image, { memoryMiB: req.memoryMiB }));
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
    bootSeconds: (markers.startedAt - t0) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
