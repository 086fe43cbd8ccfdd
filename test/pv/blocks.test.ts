// PV guests run in ring 1 under segments that stop below the hypervisor, so compiled blocks
// there take the limit-checked paths. Each PV test kernel, and Debian's GRUB, must behave
// identically with every entry point compiled on its first visit and with the interpreter
// alone: console output, instruction count, stop, hypercalls and exits.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { buildPvGuest, runPv } from './harness';

const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';

for (const name of ['hello', 'events', 'memory', 'priv-ops', 'legacy']) {
  test(`PV guest ${name}: compiled blocks change nothing`, () => {
    const elf = buildPvGuest(name);
    const ref = runPv(elf, { blockThreshold: 0, budget: 20_000_000 });
    const jit = runPv(elf, { blockThreshold: 1, budget: 20_000_000 });
    assert.equal(jit.out, ref.out);
    assert.deepEqual(jit.stop, ref.stop);
    assert.equal(jit.machine.icount, ref.machine.icount);
    assert.deepEqual(jit.machine.getRegisters(), ref.machine.getRegisters());
    assert.deepEqual(jit.machine.exits.byReason, ref.machine.exits.byReason);
    assert.deepEqual(jit.machine.exits.hypercalls, ref.machine.exits.hypercalls);
    assert.ok((jit.machine.cpu.blocks?.compiled ?? 0) > 0, 'nothing was compiled');
  });
}

test("Debian's GRUB i386-xen: the same state after the same instructions, compiled or not", (t) => {
  if (!existsSync(GRUB)) { t.skip(`${GRUB} is missing: install grub-xen-host (scripts/setup.sh does)`); return; }
  const boot = (threshold: number): { m: Machine; out: () => string } => {
    let out = '';
    const m = new Machine({ mode: 'pv', memoryMiB: 64, serialOut: (b) => { out += String.fromCharCode(b); } });
    m.cpu.blockThreshold = threshold;
    m.load(loadPvImage(new Uint8Array(readFileSync(GRUB)), { ramBytes: 64 << 20 }));
    return { m, out: () => out };
  };
  const a = boot(0), b = boot(1);
  for (let i = 0; i < 40; i++) {
    const sa = a.m.run(250_000), sb = b.m.run(250_000);
    assert.deepEqual(sb, sa, `slice ${i}`);
    assert.equal(b.m.icount, a.m.icount, `slice ${i}`);
    assert.deepEqual(b.m.getRegisters(), a.m.getRegisters(), `slice ${i}`);
    if (sa.kind !== 'budget') break;
  }
  assert.equal(b.out(), a.out());
  assert.deepEqual(b.m.exits.byReason, a.m.exits.byReason);
  assert.ok((b.m.cpu.blocks?.compiled ?? 0) > 100);
});
