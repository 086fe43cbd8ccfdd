// Builds the PVH test kernels from source (test/guests/pvh, by make: nasm, gcc, ld) and runs
// them on a PVH Machine, collecting the console output and the exit records.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, type StopReason } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** test/guests/pvh/<name>.c -> test/guests/build/pvh/<name>.elf (make is incremental). */
export function buildPvhGuest(name: string): string {
  execFileSync('make', ['-s', '-C', join(ROOT, 'test/guests'), `build/pvh/${name}.elf`]);
  return join(ROOT, 'test/guests/build/pvh', `${name}.elf`);
}

export interface PvhRun { machine: Machine; stop: StopReason; out: string }

export function runPvh(elf: string, o: { memoryMiB?: number; cmdline?: string; initrd?: Uint8Array; budget?: number } = {}): PvhRun {
  let out = '';
  const mib = o.memoryMiB ?? 64;
  const machine = new Machine({ mode: 'pvh', memoryMiB: mib, serialOut: (b) => { out += String.fromCharCode(b); } });
  machine.load(loadPvh(readImage(new Uint8Array(readFileSync(elf))), { ramBytes: mib << 20, cmdline: o.cmdline, initrd: o.initrd }));
  let stop: StopReason = { kind: 'budget' };
  const budget = o.budget ?? 50_000_000;
  while (machine.icount < budget) {
    stop = machine.run(Math.min(5_000_000, budget - machine.icount));
    if (stop.kind !== 'budget') break;
  }
  return { machine, stop, out };
}

/** The value after `key=` on the console line that starts with `prefix`. */
export function field(out: string, prefix: string, key: string): string {
  const line = out.split('\n').find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`no console line starts with '${prefix}':\n${out}`);
  const m = new RegExp(`(?:^|\\s)${key}=("[^"]*"|\\S+)`).exec(line);
  if (!m) throw new Error(`'${key}=' is not on the line '${line}'`);
  return m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!;
}
