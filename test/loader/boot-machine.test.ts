// End to end: images loaded by loadImage boot on the project's Machine. The report kernel's
// account of its multiboot information is compared with its account of the same under QEMU;
// the other images print what their sources say they print.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import type { LoadOptions } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { hasQemu, parseReport, runQemu } from './report-kernel';

const fx = new FixtureBuilder('boot-machine');
const MiB = 0x100000;
const RAM = 32 * MiB;
const BUDGET = 2_000_000;

function boot(bytes: Uint8Array, opts: Omit<LoadOptions, 'ramBytes'>) {
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM / MiB });
  m.load(loadImage(bytes, { ramBytes: RAM, ...opts }));
  const stop = m.run(BUDGET);
  return { stop, out: m.serialOutput() };
}

for (const kludge of [false, true]) {
  test(`${kludge ? 'address-field' : 'ELF'} multiboot kernel sees the same boot information on our machine as under QEMU`, { skip: hasQemu ? false : 'qemu-system-i386 is not installed' }, () => {
    const kernel = fx.mbReport(kludge);
    const mod = new Uint8Array(3000).map((_, i) => (i * 13 + 1) & 0xff);
    writeFileSync(join(fx.dir, 'mod.bin'), mod);
    const q = runQemu(fx.dir, RAM, kernel.path, 'root=/dev/ram0', ['mod.bin initrd']);
    const { stop, out } = boot(kernel.bytes, { cmdline: 'root=/dev/ram0', modules: [{ bytes: mod, cmdline: 'initrd' }] });
    assert.deepEqual(stop, { kind: 'debug-exit', code: 1 }, `stopped with ${JSON.stringify(stop)}; output ${out}`);
    const ours = parseReport(out);
    assert.equal(ours.magic, 0x2badb002);
    assert.equal(ours.magic, q.magic);
    assert.equal(ours.start, q.start);
    assert.equal(`${basename(kernel.path)} ${ours.cmdline}`, q.cmdline);
    assert.deepEqual(ours.mods.map((m) => [m.length, m.sum, m.pageOffset]), q.mods.map((m) => [m.length, m.sum, m.pageOffset]));
    assert.equal(`mod.bin ${ours.mods[0].string}`, q.mods[0].string);
    assert.equal(ours.memLower, q.memLower);
    assert.deepEqual(ours.map.filter((e) => e.base < MiB), q.map.filter((e) => e.base < MiB));
    assert.equal(ours.bss, 0);
    assert.equal(q.bss, 0);
  });
}

test('boot sector (flat, real mode), ROM (reset vector), plain ELF and C multiboot kernel run and print', () => {
  const cases: Array<[string, Uint8Array, Omit<LoadOptions, 'ramBytes'>, string]> = [
    ['boot sector', fx.flatBin('boot-sector.asm').bytes, { format: 'flat', realMode: true }, 'B'],
    ['ROM', fx.flatBin('rom.asm').bytes, { format: 'rom' }, 'R'],
    ['plain ELF', fx.plainElf().bytes, {}, 'P'],
    ['C kernel', fx.cKernel().bytes, {}, 'c kernel'],
    ['address-field kernel', fx.mbKludge().bytes, {}, 'A'],
    ['ELF64 through address fields', fx.mbElf64().bytes, {}, '6'],
    ['higher-half ELF', fx.higherHalf().bytes, {}, 'K'],
  ];
  for (const [name, bytes, opts, expected] of cases) {
    const { stop, out } = boot(bytes, opts);
    assert.equal(out, expected, `${name}: output`);
    assert.equal(stop.kind, 'halted', `${name}: ${JSON.stringify(stop)}`);
  }
});
