// Builds the 64-bit PV test kernels from source (nasm -f elf64 + ld, into
// test/guests/pv64/build/) and runs them on a PV Machine, collecting the console output and
// the hypervisor's records. Values the kernels print as `name=<16 hex digits>` are parsed
// into BigInts.
import { join } from 'node:path';
import type { Machine, StopReason } from '../../emulator/machine';
import { buildKernel, ROOT, runKernel, type KernelSource } from '../pv/pv-kernel';

export { ROOT };
export const GUESTS = join(ROOT, 'test', 'guests', 'pv64');
export const BUILD = join(GUESTS, 'build');
const SOURCE: KernelSource = { dir: GUESTS, format: 'elf64', ldArgs: ['-m', 'elf_x86_64', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments'] };

/** test/guests/pv64/<name>.asm -> build/<name>.elf (always rebuilt: it takes milliseconds). */
export function buildPv64Guest(name: string, defines: string[] = []): string { return buildKernel(SOURCE, name, defines); }

export interface Pv64Run { machine: Machine; stop: StopReason; out: string; values: Map<string, bigint> }

export function runPv64(elf: string, o: { memoryMiB?: number; budget?: number; cmdline?: string; blockThreshold?: number } = {}): Pv64Run {
  const r = runKernel(elf, { ...o, memoryMiB: o.memoryMiB ?? 32, budget: o.budget ?? 20_000_000 });
  const values = new Map<string, bigint>();
  for (const m of r.out.matchAll(/^([a-z0-9_]+)=([0-9a-f]{16})$/gm)) values.set(m[1], BigInt('0x' + m[2]));
  return { ...r, values };
}

/** A printed 64-bit value read as a signed integer (an errno comes back negative). */
export const signed64 = (v: bigint | undefined): bigint | undefined => (v === undefined ? undefined : BigInt.asIntN(64, v));
