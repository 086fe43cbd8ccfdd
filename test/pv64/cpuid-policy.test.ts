// The CPUID a PV guest sees through Xen's forced-emulation prefix is Xen's default PV policy:
// the features its public cpufeatureset.h marks 'A' (all guests), no others. The masks are
// derived here from the header Debian's libxen-dev ships, and a 64-bit PV kernel
// (cpuid64.asm) shows what it reads: 1 GiB pages, PSE, PGE, VMX, PCID, SMEP and SMAP hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xenPublicHeaders } from '../pv/xen-public-headers';
import { PV_FEATURE_MASKS } from '../../emulator/pv/cpuid-policy';
import { buildPv64Guest, runPv64 } from './harness';

function headerMasks(): Map<number, number> {
  const text = readFileSync(join(xenPublicHeaders(), 'xen', 'arch-x86', 'cpufeatureset.h'), 'utf8');
  const out = new Map<number, number>();
  for (const m of text.matchAll(/XEN_CPUFEATURE\((\w+),\s*(\d+)\*32\+\s*(\d+)\)\s*\/\*(\S*)/g)) {
    if (!m[4].includes('A')) continue;
    const w = Number(m[2]), bit = Number(m[3]);
    out.set(w, ((out.get(w) ?? 0) | (1 << bit)) >>> 0);
  }
  return out;
}

test('the PV feature masks are the \'A\' bits of Xen\'s cpufeatureset.h, word by word', () => {
  const h = headerMasks();
  for (const [w, mask] of Object.entries(PV_FEATURE_MASKS)) assert.equal(mask >>> 0, h.get(Number(w)) ?? 0, `word ${w}`);
});

test('a 64-bit PV kernel reads the PV policy through the forced-emulation CPUID', () => {
  const r = runPv64(buildPv64Guest('cpuid64'), { budget: 2_000_000 });
  assert.equal(r.stop.kind, 'shutdown', r.out);
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k}:\n${r.out}`); return Number(x!); };
  const bit = (x: number, b: number) => (x >>> b) & 1;
  assert.equal(bit(v('l1_ecx'), 31), 1, 'hypervisor');
  for (const [b, name] of [[5, 'VMX'], [3, 'MONITOR'], [17, 'PCID'], [21, 'x2APIC']] as const) assert.equal(bit(v('l1_ecx'), b), 0, name);
  for (const [b, name] of [[3, 'PSE'], [13, 'PGE'], [12, 'MTRR'], [17, 'PSE36']] as const) assert.equal(bit(v('l1_edx'), b), 0, name);
  assert.equal(bit(v('l1_edx'), 0), 1, 'FPU stays');
  assert.equal(bit(v('e1_edx'), 26), 0, 'Page1GB');
  assert.equal(bit(v('e1_edx'), 29), 1, 'LM stays');
  for (const [b, name] of [[7, 'SMEP'], [20, 'SMAP'], [10, 'INVPCID']] as const) assert.equal(bit(v('l7_ebx'), b), 0, name);
  assert.equal(v('xen_sig_ebx'), 0x566e6558, '"XenV"');
  assert.equal(v('hi_after'), 0, 'CPUID in 64-bit mode clears the high halves');
});
