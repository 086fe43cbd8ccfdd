// Builds the PV test kernels from source (nasm + ld, into guests/build/) and runs them on a
// PV Machine, collecting the console output and the hypervisor's records.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import type { StopReason } from '../../emulator/machine';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const GUESTS = join(HERE, 'guests');
export const BUILD = join(GUESTS, 'build');

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

/** guests/<name>.asm -> guests/build/<name>.elf (always rebuilt: it takes milliseconds). */
export function buildPvGuest(name: string, defines: string[] = []): string {
  mkdirSync(BUILD, { recursive: true });
  const tag = defines.length ? `${name}-${defines.join('-').toLowerCase()}` : name;
  const obj = join(BUILD, `${tag}.o`), elf = join(BUILD, `${tag}.elf`);
  run('nasm', ['-f', 'elf32', '-w-other', '-I', GUESTS + '/', '-I', join(ROOT, 'guest') + '/', ...defines.map((d) => `-D${d}`), '-o', obj, join(GUESTS, `${name}.asm`)]);
  run('ld', ['-m', 'elf_i386', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', elf, obj]);
  return elf;
}

export interface PvRun { machine: Machine; stop: StopReason; out: string; values: Map<string, number> }

/** `blockThreshold`: visits before an entry point is compiled (0: interpreter only; default: the CPU's). */
export function runPv(elf: string, o: { memoryMiB?: number; budget?: number; privileged?: 'xen' | 'strict'; cmdline?: string; blockThreshold?: number } = {}): PvRun {
  let out = '';
  const mib = o.memoryMiB ?? 16;
  const machine = new Machine({ mode: 'pv', memoryMiB: mib, pvPrivileged: o.privileged, serialOut: (b) => { out += String.fromCharCode(b); } });
  if (o.blockThreshold !== undefined) machine.cpu.blockThreshold = o.blockThreshold;
  machine.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: mib << 20, cmdline: o.cmdline }));
  let stop: StopReason = { kind: 'budget' };
  const budget = o.budget ?? 50_000_000;
  while (machine.icount < budget) {
    stop = machine.run(Math.min(5_000_000, budget - machine.icount));
    if (stop.kind !== 'budget') break;
  }
  const values = new Map<string, number>();
  for (const m of out.matchAll(/^([a-z0-9_]+)=([0-9a-f]{8})$/gm)) values.set(m[1], parseInt(m[2], 16));
  return { machine, stop, out, values };
}

/** A 32-bit value as the guest printed it, read as a signed errno. */
export const signed = (v: number | undefined) => (v === undefined ? undefined : v | 0);
