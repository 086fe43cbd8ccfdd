// Builds the 64-bit PV test kernels from source (nasm -f elf64 + ld, into
// test/guests/pv64/build/) and runs them on a PV Machine, collecting the console output and
// the hypervisor's records. Values the kernels print as `name=<16 hex digits>` are parsed
// into BigInts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import type { StopReason } from '../../emulator/machine';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const GUESTS = join(ROOT, 'test', 'guests', 'pv64');
export const BUILD = join(GUESTS, 'build');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

/** test/guests/pv64/<name>.asm -> build/<name>.elf (always rebuilt: it takes milliseconds). */
export function buildPv64Guest(name: string, defines: string[] = []): string {
  mkdirSync(BUILD, { recursive: true });
  const tag = defines.length ? `${name}-${defines.join('-').toLowerCase()}` : name;
  const obj = join(BUILD, `${tag}.o`), elf = join(BUILD, `${tag}.elf`);
  run('nasm', ['-f', 'elf64', '-w-other', '-I', GUESTS + '/', '-I', join(ROOT, 'guest') + '/', ...defines.map((d) => `-D${d}`), '-o', obj, join(GUESTS, `${name}.asm`)]);
  run('ld', ['-m', 'elf_x86_64', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', elf, obj]);
  return elf;
}

export interface Pv64Run { machine: Machine; stop: StopReason; out: string; values: Map<string, bigint> }

export function runPv64(elf: string, o: { memoryMiB?: number; budget?: number; cmdline?: string; blockThreshold?: number } = {}): Pv64Run {
  let out = '';
  const mib = o.memoryMiB ?? 32;
  const machine = new Machine({ mode: 'pv', memoryMiB: mib, serialOut: (b) => { out += String.fromCharCode(b); } });
  if (o.blockThreshold !== undefined) machine.cpu.blockThreshold = o.blockThreshold;
  machine.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: mib << 20, cmdline: o.cmdline }));
  let stop: StopReason = { kind: 'budget' };
  const budget = o.budget ?? 20_000_000;
  while (machine.icount < budget) {
    stop = machine.run(Math.min(5_000_000, budget - machine.icount));
    if (stop.kind !== 'budget') break;
  }
  const values = new Map<string, bigint>();
  for (const m of out.matchAll(/^([a-z0-9_]+)=([0-9a-f]{16})$/gm)) values.set(m[1], BigInt('0x' + m[2]));
  return { machine, stop, out, values };
}

/** A printed 64-bit value read as a signed integer (an errno comes back negative). */
export const signed64 = (v: bigint | undefined): bigint | undefined => (v === undefined ? undefined : BigInt.asIntN(64, v));
