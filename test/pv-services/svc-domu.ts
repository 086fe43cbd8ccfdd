// Builds svc-domu (test/guests/xen-services: mini-domu's start of day with svc.c's checks of
// the Xen services) for 64-bit PV and PVH, and runs it, returning the "svc NAME=VALUE" lines.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { runGuest, describeRun, type GuestRun } from '../xen-guests/guest-run';

const REPO = join(__dirname, '..', '..');
const DIR = join(REPO, 'test', 'guests', 'xen-services');
const MEMORY_MIB = 64;

/** Builds both flavours; a string saying why when Xen's headers cannot be fetched. */
export function buildSvcDomu(): { pv: string; pvh: string } | string {
  try {
    execFileSync('bash', [join(REPO, 'scripts', 'fetch-debs.sh'), 'libxen-dev'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return `Xen's public headers (libxen-dev) could not be fetched: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`;
  }
  execFileSync('make', ['-s', '-C', DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pv = join(DIR, 'build', 'svc-domu-pv.elf'), pvh = join(DIR, 'build', 'svc-domu-pvh.elf');
  if (!existsSync(pv) || !existsSync(pvh)) throw new Error('make built no svc-domu kernels');
  return { pv, pvh };
}

export interface SvcRun { run: GuestRun; values: Map<string, string>; why: string }

export function runSvcDomu(elf: string, flavour: 'pv' | 'pvh'): SvcRun {
  const machine = new Machine({ mode: flavour, memoryMiB: MEMORY_MIB });
  const img = readImage(new Uint8Array(readFileSync(elf)));
  const plan = flavour === 'pv'
    ? loadPvImage(img, { ramBytes: MEMORY_MIB << 20, cmdline: 'svc-domu' })
    : loadPvh(img, { ramBytes: MEMORY_MIB << 20, cmdline: 'svc-domu' });
  const run = runGuest(machine, plan, { wallSeconds: 300 });
  const values = new Map<string, string>();
  for (const m of run.console.matchAll(/^svc ([a-z0-9_]+)=(.*)$/gm)) values.set(m[1]!, m[2]!.trim());
  return { run, values, why: `${describeRun(run)}\nconsole:\n${run.console.slice(-3000)}` };
}
