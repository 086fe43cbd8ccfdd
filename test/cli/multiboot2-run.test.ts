// `paravirt run` on a Multiboot2 kernel: detected by its header, entered with the Multiboot2
// magic, and given the command line as GRUB's multiboot2 gives it (the arguments, no path);
// --format multiboot names the Multiboot2-only kernel's header in its refusal.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildAll, paravirt, type Built } from './harness';

let b: Built;
let kernel: string;
before(async () => {
  b = await buildAll([]);
  const fixtures = join(__dirname, '..', 'loader', 'fixtures');
  const obj = join(b.dir, 'mb2-report.o');
  kernel = join(b.dir, 'mb2-report.elf');
  for (const [cmd, args] of [
    ['nasm', ['-f', 'elf32', '-o', obj, join(fixtures, 'mb2-report.asm')]],
    ['ld', ['-m', 'elf_i386', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '-T', join(fixtures, 'mb2.ld'), '-o', kernel, obj]],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('run on a Multiboot2 kernel: its magic, and the command line without the kernel path', () => {
  const r = paravirt(b, ['run', kernel, '--cmdline', 'root=/dev/ram0 quiet', '--summary', 'none']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^magic=36d76289$/m);
  assert.match(r.stdout, /^cmdline=root=\/dev\/ram0 quiet$/m);
  assert.match(r.stdout, /^loader=paravirt$/m);
  assert.match(r.stdout, /^rsdp2=00000001 00000000 00000002$/m);
});

test('run --format multiboot on a Multiboot2-only kernel is refused naming its header', () => {
  const r = paravirt(b, ['run', kernel, '--format', 'multiboot']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no multiboot header .*by its headers this file is an ELF32 file with a Multiboot2 header/);
});
