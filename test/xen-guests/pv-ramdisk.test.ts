// xl's ramdisk= for a PV domain: the initrd is placed in the bootstrap region right after the
// kernel (xen.h's start-of-day order: kernel, ramdisk, p2m list, start_info, ...), page
// aligned and mapped, and start_info.mod_start/mod_len name it. Offsets are those of Xen's
// x86_32 start_info (mfn_list 68, mod_start 72, mod_len 76).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { buildPvGuest } from '../pv/harness';

test('32-bit PV: the ramdisk follows the kernel, page-aligned, and start_info names it', () => {
  const elf = buildPvGuest('hello');
  const ramdisk = new Uint8Array(3 * 4096 + 123);
  for (let i = 0; i < ramdisk.length; i++) ramdisk[i] = (i * 31 + 7) & 0xff;
  const machine = new Machine({ mode: 'pv', memoryMiB: 16 });
  const plan = loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: 16 << 20, cmdline: '', initrd: ramdisk });
  machine.load(plan);
  const si = machine.getRegisters().esi >>> 0;
  const u32 = (addr: number) => new DataView(machine.readLinear(addr, 4)!.buffer).getUint32(0, true);
  const modStart = u32(si + 72), modLen = u32(si + 76), mfnList = u32(si + 68);
  assert.equal(modLen, ramdisk.length);
  assert.equal(modStart % 4096, 0);
  const kernelEnd = plan.pv!.image.virtEnd;
  assert.ok(modStart >= kernelEnd && modStart - kernelEnd < 4096, `ramdisk at 0x${modStart.toString(16)}, kernel ends at 0x${kernelEnd.toString(16)}`);
  assert.ok(mfnList >= modStart + modLen, 'the p2m list comes after the ramdisk');
  assert.deepEqual(machine.readLinear(modStart, modLen), ramdisk);
  // It still boots.
  let stop = machine.run(1_000_000);
  while (stop.kind === 'budget') stop = machine.run(1_000_000);
  assert.equal(stop.kind, 'shutdown');
  assert.match(machine.serialOutput(), /start_info magic ok/);

  // Without a ramdisk, start_info says so.
  const bare = new Machine({ mode: 'pv', memoryMiB: 16 });
  bare.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: 16 << 20 }));
  const si2 = bare.getRegisters().esi >>> 0;
  assert.equal(new DataView(bare.readLinear(si2 + 72, 8)!.buffer).getBigUint64(0, true), 0n);
});
