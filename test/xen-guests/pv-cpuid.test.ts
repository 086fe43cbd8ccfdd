// CPUID as a real 64-bit PV kernel reads it (mini-domu, through Xen's forced-emulation prefix):
// only the features Xen's arch-x86/cpufeatureset.h marks 'A' (all guests, on by default; the
// header, parsed here, is the reference), without PSE, PGE or 1 GiB pages (a PV kernel that saw
// them built superpage mappings Xen refuses: Linux's direct map did), with the hypervisor bit.
// (test/pv64/cpuid-policy.test.ts checks the policy table itself.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../emulator/machine';
import { readImage } from '../../emulator/loader';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { xenPublicHeaders } from '../pv/xen-public-headers';
import { buildMiniDomu } from './mini-domu';
import { runGuest } from './guest-run';

/** Featureset word -> bits marked 'A', from the header's XEN_CPUFEATURE(NAME, w*32+b) /*attrs lines. */
function headerAllGuestFeatures(): Map<number, number> {
  const text = readFileSync(join(xenPublicHeaders(), 'xen', 'arch-x86', 'cpufeatureset.h'), 'utf8');
  const words = new Map<number, number>();
  for (const m of text.matchAll(/^XEN_CPUFEATURE\((\w+),\s*(\d+)\*32\+\s*(\d+)\)\s*\/\*(\S*)/gm)) {
    if (!m[4].includes('A')) continue;
    const w = Number(m[2]);
    words.set(w, ((words.get(w) ?? 0) | (1 << Number(m[3]))) >>> 0);
  }
  return words;
}


const built = buildMiniDomu();
test('a 64-bit PV kernel reads Xen\'s PV policy through the forced-emulation CPUID', { skip: typeof built === 'string' ? built : false }, () => {
  const { pv } = built as { pv: string };
  const machine = new Machine({ mode: 'pv', memoryMiB: 64 });
  const r = runGuest(machine, loadPvImage(readImage(new Uint8Array(readFileSync(pv))), { ramBytes: 64 << 20, cmdline: 'mini-domu-test' }));
  const m = /^cpuid: 1\.edx 0x([0-9a-f]+) 1\.ecx 0x([0-9a-f]+) 80000001\.edx 0x([0-9a-f]+) 80000001\.ecx 0x([0-9a-f]+) 7\.ebx 0x([0-9a-f]+) 7\.ecx 0x([0-9a-f]+) 7\.edx 0x([0-9a-f]+)$/m.exec(r.console);
  assert.ok(m, r.console.slice(0, 2000));
  const seen: Record<number, number> = { 0: parseInt(m[1], 16), 1: parseInt(m[2], 16), 2: parseInt(m[3], 16), 3: parseInt(m[4], 16), 5: parseInt(m[5], 16), 6: parseInt(m[6], 16), 9: parseInt(m[7], 16) };
  const header = headerAllGuestFeatures();
  for (const [w, v] of Object.entries(seen)) {
    assert.equal((v & ~(header.get(Number(w)) ?? 0)) >>> 0, 0, `word ${w}: 0x${v.toString(16)} has bits Xen does not give a PV guest`);
  }
  assert.equal(seen[0] & ((1 << 3) | (1 << 13) | (1 << 17)), 0, 'no PSE, PGE, PSE36');
  assert.equal(seen[2] & (1 << 26), 0, 'no 1 GiB pages');
  assert.ok(seen[1] & (1 << 31), 'the hypervisor bit');
  assert.ok(seen[0] & 1, 'FPU is given to all guests and our CPU has it');
});
