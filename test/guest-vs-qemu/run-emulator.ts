// Runs a guest kernel on our machine the way the CLI does: HVM, 64 MiB, the loader's boot
// plan, then run() in budgets until a stop other than 'budget'.
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadImage, type ImageFormat } from '../../emulator/loader';
import type { StopReason } from '../../emulator/machine';

export interface EmulatorResult {
  serial: string;
  stop: StopReason;
  /** The stop as QEMU (-no-reboot) would report it: (value << 1) | 1 for debug-exit, 0 for a reset, triple fault or power-off. */
  status: number | null;
  instructions: number;
  error?: string;
}

const MEMORY_MIB = 64;

/** `blockThreshold`: visits before code is compiled (0: interpreter only; default: the CPU's own);
    `format`: how the loader takes the image (default: by its headers). */
export function runOnEmulator(elfPath: string, maxInstructions = 400_000_000, sliceBudget = 2_000_000, blockThreshold?: number, format?: ImageFormat): EmulatorResult {
  const bytes = new Uint8Array(readFileSync(elfPath));
  const out: number[] = [];
  let machine: Machine | null = null;
  try {
    machine = new Machine({ mode: 'hvm', memoryMiB: MEMORY_MIB, serialOut: (b) => { out.push(b & 0xff); } });
    if (blockThreshold !== undefined) machine.cpu.blockThreshold = blockThreshold;
    machine.load(loadImage(bytes, { ramBytes: MEMORY_MIB * 1024 * 1024, ...(format === undefined ? {} : { format }) }));
    let stop: StopReason = { kind: 'budget' };
    while (machine.icount < maxInstructions) {
      stop = machine.run(Math.min(sliceBudget, maxInstructions - machine.icount));
      if (stop.kind !== 'budget') break;
    }
    return { serial: Buffer.from(out).toString('latin1'), stop, status: statusOf(stop), instructions: machine.icount };
  } catch (e) {
    return {
      serial: Buffer.from(out).toString('latin1'), stop: { kind: 'budget' }, status: null,
      instructions: machine?.icount ?? 0, error: String((e as Error)?.stack ?? e),
    };
  }
}

function statusOf(stop: StopReason): number | null {
  switch (stop.kind) {
    case 'debug-exit': return stop.code;
    case 'triple-fault': case 'reset': return 0;
    case 'shutdown': return 0;                 // ACPI S5: QEMU powers off and exits 0
    default: return null;
  }
}

export function describeStop(stop: StopReason): string {
  switch (stop.kind) {
    case 'debug-exit': return `debug-exit status ${stop.code}`;
    case 'triple-fault': return `triple fault (${stop.detail})`;
    case 'halted': return `halted (${stop.detail})`;
    case 'shutdown': return `shutdown ${stop.code} (${stop.reason})`;
    case 'reset': return `reset via ${stop.via}`;
    default: return stop.kind;
  }
}
