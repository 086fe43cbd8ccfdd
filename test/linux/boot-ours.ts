// Boots the Debian kernel and initramfs on our machine (`paravirt run`'s engine: the loader's
// bzImage path and the Machine API), in slices, until the /init marker appears on the serial
// console, the guest stops, or a wall-clock limit passes; and says how far it got: the last
// console line, the stop, where the CPU was and how many instructions ran.

import { readFileSync } from 'node:fs';
import { Machine, firmwareInfo, type StopReason } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import type { LinuxFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';

export interface LinuxOursRun {
  reachedMarker: boolean;
  /** Wall seconds from loading the image to the marker (null when it never came). */
  secondsToMarker: number | null;
  /** This process's CPU time (user + system) from loading the image to the marker (null when it never came). */
  cpuSecondsToMarker: number | null;
  seconds: number;
  instructions: number;
  stop: StopReason | { kind: 'wall-clock limit' };
  serial: string;
  /** The last non-empty line on the console ('' when the kernel printed nothing). */
  lastLine: string;
  /** Where the CPU was when the run ended, as CS:EIP in hex. */
  at: string;
  /** The last VM exits, oldest first: reason name @ EIP (what the kernel last asked the hypervisor). */
  lastExits: string[];
}

const SLICE = 5_000_000;

export function runLinuxOnOurs(fx: LinuxFixture, opts: { memoryMiB?: number; wallSeconds?: number; linuxEntry?: '32' | '64' } = {}): LinuxOursRun {
  const memoryMiB = opts.memoryMiB ?? 256;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const machine = new Machine({ mode: 'hvm', memoryMiB });
  machine.load(loadImage(new Uint8Array(readFileSync(fx.kernelPath)), {
    ramBytes: memoryMiB * 1024 * 1024, cmdline: fx.cmdline, initrd: new Uint8Array(readFileSync(fx.initrdPath)),
    linuxEntry: opts.linuxEntry, ...firmwareInfo(),
  }));
  const limit = t0 + (opts.wallSeconds ?? 600) * 1000;
  let stop: LinuxOursRun['stop'] = { kind: 'wall-clock limit' };
  let secondsToMarker: number | null = null;
  let cpuSecondsToMarker: number | null = null;
  for (;;) {
    const s = machine.run(SLICE);
    if (secondsToMarker === null && machine.serialOutput().includes(INIT_MARKER)) {
      secondsToMarker = (performance.now() - t0) / 1000;
      const u = process.cpuUsage(cpu0);
      cpuSecondsToMarker = (u.user + u.system) / 1e6;
    }
    if (s.kind !== 'budget') { stop = s; break; }
    if (performance.now() > limit) break;
  }
  const serial = machine.serialOutput();
  const lines = serial.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const r = machine.getRegisters();
  const total = machine.exits.total;
  const lastExits = machine.exits.page(Math.max(0, total - 3), 3).map((e) => `${e.reasonName}@${(e.eip >>> 0).toString(16)}${e.value !== undefined ? ` value=0x${(e.value >>> 0).toString(16)}` : ''}`);
  return {
    lastExits,
    reachedMarker: secondsToMarker !== null, secondsToMarker, cpuSecondsToMarker, seconds: (performance.now() - t0) / 1000,
    instructions: machine.icount, stop, serial, lastLine: lines[lines.length - 1] ?? '',
    at: `${(r.cs >>> 0).toString(16).padStart(4, '0')}:${(r.eip >>> 0).toString(16).padStart(8, '0')}`,
  };
}

/** "not yet booting: ..." in one line, for the bench and the reports. */
export function describeProgress(run: LinuxOursRun): string {
  const stop = run.stop.kind === 'wall-clock limit' ? `still running after ${run.seconds.toFixed(0)} s` : `stopped: ${JSON.stringify(run.stop)}`;
  const console = run.lastLine ? `last console line "${run.lastLine.slice(0, 120)}"` : 'nothing on the console';
  return `${stop}, ${run.instructions.toExponential(2)} instructions, at ${run.at}, ${console}, last exits ${run.lastExits.join(' ') || 'none'}`;
}
