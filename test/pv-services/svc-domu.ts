// Builds svc-domu (test/guests/xen-services: mini-domu's start of day with svc.c's checks of
// the Xen services) for 64-bit PV and PVH, and runs it, returning the "svc NAME=VALUE" lines.

import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { runGuest, describeRun, type GuestRun } from '../xen-guests/guest-run';
import { buildDomu } from '../xen-guests/build-domu';

const MEMORY_MIB = 64;

/** Builds both flavours; a string saying why when Xen's headers cannot be fetched. */
export function buildSvcDomu(): { pv: string; pvh: string } | string { return buildDomu('test/guests/xen-services', 'svc-domu'); }

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
