// Builds the PV test kernels from source (nasm + ld, into guests/build/) and runs them on a
// PV Machine, collecting the console output and the hypervisor's records.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine, StopReason } from '../../emulator/machine';
import { buildKernel, runKernel, type KernelSource } from './pv-kernel';

export { ROOT } from './pv-kernel';
export const GUESTS = join(dirname(fileURLToPath(import.meta.url)), 'guests');
export const BUILD = join(GUESTS, 'build');
const SOURCE: KernelSource = { dir: GUESTS, format: 'elf32', ldArgs: ['-m', 'elf_i386', '--no-warn-rwx-segments'] };

/** guests/<name>.asm -> guests/build/<name>.elf (always rebuilt: it takes milliseconds). */
export function buildPvGuest(name: string, defines: string[] = []): string { return buildKernel(SOURCE, name, defines); }

export interface PvRun { machine: Machine; stop: StopReason; out: string; values: Map<string, number> }

/** `blockThreshold`: visits before an entry point is compiled (0: interpreter only; default: the CPU's). */
export function runPv(elf: string, o: { memoryMiB?: number; budget?: number; privileged?: 'xen' | 'strict'; cmdline?: string; blockThreshold?: number } = {}): PvRun {
  const r = runKernel(elf, { ...o, memoryMiB: o.memoryMiB ?? 16, budget: o.budget ?? 50_000_000 });
  const values = new Map<string, number>();
  for (const m of r.out.matchAll(/^([a-z0-9_]+)=([0-9a-f]{8})$/gm)) values.set(m[1], parseInt(m[2], 16));
  return { ...r, values };
}

/** A 32-bit value as the guest printed it, read as a signed errno. */
export const signed = (v: number | undefined) => (v === undefined ? undefined : v | 0);
