// What the 32-bit and the 64-bit PV test harnesses (test/pv/harness.ts, test/pv64/harness.ts)
// share: a test kernel built from one .asm by nasm and ld, and a run of it on a fresh PV
// Machine to a stop or an instruction budget, with what it printed on Xen's console.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import type { StopReason } from '../../emulator/machine';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

export interface KernelSource {
  /** The folder of the .asm files, their include file and link.ld; the ELF goes to its build/. */
  dir: string;
  /** nasm's output format and ld's emulation for the guest's width. */
  format: 'elf32' | 'elf64';
  ldArgs: string[];
}

/** <dir>/<name>.asm -> <dir>/build/<name>[-defines].elf (always rebuilt: it takes milliseconds). */
export function buildKernel(src: KernelSource, name: string, defines: string[] = []): string {
  const build = join(src.dir, 'build');
  mkdirSync(build, { recursive: true });
  const tag = defines.length ? `${name}-${defines.join('-').toLowerCase()}` : name;
  const obj = join(build, `${tag}.o`), elf = join(build, `${tag}.elf`);
  run('nasm', ['-f', src.format, '-w-other', '-I', src.dir + '/', '-I', join(ROOT, 'guest') + '/', ...defines.map((d) => `-D${d}`), '-o', obj, join(src.dir, `${name}.asm`)]);
  run('ld', [...src.ldArgs, '-T', join(src.dir, 'link.ld'), '-o', elf, obj]);
  return elf;
}

export interface RunOptions { memoryMiB: number; budget: number; privileged?: 'xen' | 'strict'; cmdline?: string; blockThreshold?: number }

/** `blockThreshold`: visits before an entry point is compiled (0: interpreter only; default: the CPU's). */
export function runKernel(elf: string, o: RunOptions): { machine: Machine; stop: StopReason; out: string } {
  let out = '';
  const machine = new Machine({ mode: 'pv', memoryMiB: o.memoryMiB, pvPrivileged: o.privileged, serialOut: (b) => { out += String.fromCharCode(b); } });
  if (o.blockThreshold !== undefined) machine.cpu.blockThreshold = o.blockThreshold;
  machine.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: o.memoryMiB << 20, cmdline: o.cmdline }));
  let stop: StopReason = { kind: 'budget' };
  while (machine.icount < o.budget) {
    stop = machine.run(Math.min(5_000_000, o.budget - machine.icount));
    if (stop.kind !== 'budget') break;
  }
  return { machine, stop, out };
}
