// QEMU as the reference multiboot loader: a kernel that reports what its loader gave it runs
// under qemu-system-i386 (-kernel, -append, -initrd), and the BootPlan for the same file must
// agree on everything a loader decides: where the kernel runs, EAX, command line, modules
// (length, contents, page alignment, strings), mem_lower, the low memory map, a zeroed bss.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { oracleSymbols } from './readelf-oracle';
import { applyPlan, type Ram } from './plan-ram';
import { hasQemu, runQemu, type Report } from './report-kernel';

const fx = new FixtureBuilder('qemu');
const MiB = 0x100000;
const RAM = 32 * MiB;

function sum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) >>> 0;
  return s;
}

function ourView(mem: Ram, infoAddr: number) {
  const mods = [];
  for (let i = 0; i < mem.u32(infoAddr + 20); i++) {
    const m = mem.u32(infoAddr + 24) + i * 16;
    const start = mem.u32(m);
    const end = mem.u32(m + 4);
    mods.push({ length: end - start, sum: sum(mem.bytes.subarray(start, end)), pageOffset: start & 0xfff, string: mem.cstring(mem.u32(m + 8)) });
  }
  const map = [];
  const mmap = mem.u32(infoAddr + 48);
  for (let a = mmap; a < mmap + mem.u32(infoAddr + 44); a += mem.u32(a) + 4) map.push({ base: mem.u32(a + 4), length: mem.u32(a + 12), type: mem.u32(a + 20) });
  return { flags: mem.u32(infoAddr), memLower: mem.u32(infoAddr + 4), memUpper: mem.u32(infoAddr + 8), cmdline: mem.cstring(mem.u32(infoAddr + 16)), mods, map };
}

for (const kludge of [false, true]) {
  test(`QEMU and the loader agree on the ${kludge ? 'address-field' : 'ELF'} multiboot kernel`, { skip: hasQemu ? false : 'qemu-system-i386 is not installed' }, () => {
    const kernel = fx.mbReport(kludge);
    const modA = new TextEncoder().encode('module A contents\n');
    const modB = new Uint8Array(5000).map((_, i) => (i * 31 + 7) & 0xff);
    writeFileSync(join(fx.dir, 'mod-a.bin'), modA);
    writeFileSync(join(fx.dir, 'mod-b.bin'), modB);
    const cmdline = 'console=e9 quiet';
    const q = runQemu(fx.dir, RAM, kernel.path, cmdline, ['mod-a.bin one two', 'mod-b.bin']);

    const plan = loadImage(kernel.bytes, { ramBytes: RAM, cmdline, modules: [{ bytes: modA, cmdline: 'one two' }, { bytes: modB }] });
    assert.equal(plan.entry.kind, 'flat32');
    if (plan.entry.kind !== 'flat32') return;
    assert.equal(plan.entry.eip, q.start, 'entry point');
    assert.equal(plan.entry.regs?.eax, q.magic, 'EAX');
    const mem = applyPlan(plan, RAM);
    const ours = ourView(mem, plan.entry.regs!.ebx!);

    // QEMU, like GRUB, puts the kernel's file name before the arguments; we pass the arguments.
    assert.equal(q.cmdline, `${basename(kernel.path)} ${ours.cmdline}`);
    assert.equal(q.mods.length, 2);
    assert.deepEqual(ours.mods.map((m) => ({ ...m, string: undefined })), q.mods.map((m) => ({ ...m, string: undefined })));
    assert.deepEqual(q.mods.map((m) => m.string), ['mod-a.bin one two', 'mod-b.bin']);
    assert.deepEqual(ours.mods.map((m) => m.string), ['one two', '']);
    for (const bit of [0, 2, 3, 6, 9]) {
      assert.ok(q.flags & (1 << bit) && ours.flags & (1 << bit), `flag bit ${bit} in both`);
    }
    // QEMU passes no ELF section table; GRUB and we do (bit 5), so that one bit may differ.
    assert.equal(ours.flags & ~q.flags & ~(1 << 5), 0, 'we claim nothing else QEMU does not');
    assert.equal(ours.memLower, q.memLower);
    // Below 1 MiB the maps are the same PC layout; above it QEMU keeps its firmware tables at
    // the top of RAM, which our machine does not have, so our usable range may only be longer.
    const low = (m: Report['map']) => m.filter((e) => e.base < MiB);
    assert.deepEqual(low(ours.map), low(q.map));
    const qHigh = q.map.find((e) => e.base === MiB && e.type === 1)!;
    const oHigh = ours.map.find((e) => e.base === MiB && e.type === 1)!;
    assert.ok(oHigh.length >= qHigh.length && MiB + oHigh.length <= RAM);
    assert.ok(ours.memUpper >= q.memUpper && ours.memUpper * 1024 + MiB <= RAM);

    assert.equal(q.bss, 0);
    const probe = kludge ? undefined : oracleSymbols(kernel.path).find((s) => s.name === 'bss_probe')!.value;
    if (probe !== undefined) assert.equal(mem.u32(probe), 0);
    if (kludge) assert.equal(q.start, 0x200040, 'LOAD_ADDR + 32 bytes of padding + the 32-byte header');
  });
}
