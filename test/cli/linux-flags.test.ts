// `paravirt run` on a Linux boot image: --initrd, --cmdline and --linux-entry reach the kernel
// (the bz-report fixture prints its zero page), and bad uses end with status 2 and a reason.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll, paravirt, type Built } from './harness';

let b: Built;
let kernel: string;
let initrd: string;
const bytes = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 0xff);
before(async () => {
  b = await buildAll([]);
  kernel = join(b.dir, 'bz-report.bin');
  const r = spawnSync('nasm', ['-f', 'bin', '-o', kernel, join(__dirname, '..', 'loader', 'fixtures', 'bz-report.asm')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  initrd = join(b.dir, 'initrd.img');
  writeFileSync(initrd, bytes);
});

test('run vmlinuz --initrd --cmdline: the kernel gets both, at its 32-bit entry', () => {
  const r = paravirt(b, ['run', kernel, '--initrd', initrd, '--cmdline', 'console=ttyS0 init=/init', '--serial', 'stdout', '--summary', 'none']);
  assert.equal(r.status, 1, r.stderr);   // isa-debug-exit 0
  assert.match(r.stdout, /^cmdline=console=ttyS0 init=\/init$/m);
  const sum = bytes.reduce((a, v) => a + v, 0);
  assert.match(r.stdout, new RegExp(`^initrd=[0-9a-f]{5}000 ${bytes.length.toString(16).padStart(8, '0')} ${sum.toString(16).padStart(8, '0')}$`, 'm'));
  assert.match(r.stdout, /^cs=00000010$/m);
});

test('run --linux-entry 64: the kernel starts in 64-bit mode with RSI = zero page', () => {
  const r = paravirt(b, ['run', kernel, '--linux-entry', '64', '--cmdline', 'console=ttyS0', '--summary', 'none']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^rsi=0000000000010000$/m);
  assert.match(r.stdout, /^efer=0000000000000[5d]00$/m);
  assert.match(r.stdout, /^cmdline=console=ttyS0$/m);
});

test('bad Linux options: a missing initrd, a 64-bit entry the kernel lacks, an unknown entry, a wrong --format', () => {
  let r = paravirt(b, ['run', kernel, '--initrd', join(b.dir, 'nope.img')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /initrd '.*nope\.img' not found/);
  const k32 = readFileSync(kernel);
  k32.writeUInt16LE(0, 0x236);                 // xloadflags: no XLF_KERNEL_64
  writeFileSync(join(b.dir, 'bz32.bin'), k32);
  r = paravirt(b, ['run', join(b.dir, 'bz32.bin'), '--linux-entry', '64']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /has no 64-bit entry point/);
  r = paravirt(b, ['run', kernel, '--linux-entry', '48']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--linux-entry.*48.*Allowed choices are 32, 64/);
  r = paravirt(b, ['run', kernel, '--mode', 'pv', '--format', 'bzimage']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--mode pv runs Xen PV kernels: --format bzimage is for HVM/);
  r = paravirt(b, ['run', kernel, '--format', 'elf']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /by its headers this file is a Linux bzImage/);
});
