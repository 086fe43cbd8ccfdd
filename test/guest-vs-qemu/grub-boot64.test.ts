// guest/boot64.inc's headers under a loader that is not QEMU's: GRUB 2 (i386-pc, from a
// rescue CD built by grub-mkrescue) boots the 64-bit kernels with `multiboot2`, which takes
// only the Multiboot2 header, and with `multiboot`, which takes the Multiboot 1 header's
// address fields; each must print what `qemu-system-x86_64 -kernel` makes it print. The
// higher-half sample checks that both headers give physical addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_DIR_64, GUESTS_DIR } from './guest-files';
import { firstDifference } from './compare';
import { qemuReference } from './qemu-cache';
import { QEMU_BINARIES, QEMU_CPUS } from '../qemu/run-qemu';

const SAMPLE64 = join(GUESTS_DIR, '..', '..', 'examples', 'sample', 'build', 'sample-hvm64.elf');

function missingTools(): string | false {
  for (const cmd of ['grub-mkrescue', 'xorriso']) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `${cmd} is not installed (scripts/setup.sh installs grub-pc-bin, xorriso, mtools)`;
  }
  if (!existsSync('/usr/lib/grub/i386-pc/multiboot2.mod')) return 'GRUB for i386-pc (grub-pc-bin) is not installed';
  return false;
}
const skip = missingTools();

/** Boots `kernel` from a GRUB rescue CD with `command` (multiboot or multiboot2). */
function bootWithGrub(kernel: string, command: 'multiboot' | 'multiboot2'): { serial: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-grub-'));
  try {
    const root = join(dir, 'iso');
    mkdirSync(join(root, 'boot', 'grub'), { recursive: true });
    copyFileSync(kernel, join(root, 'boot', 'kernel.elf'));
    writeFileSync(join(root, 'boot', 'grub', 'grub.cfg'),
      `set timeout=0\nset default=0\nmenuentry "kernel" {\n  ${command} /boot/kernel.elf\n  boot\n}\n`);
    const iso = join(dir, 'boot.iso');
    execFileSync('grub-mkrescue', ['-o', iso, root], { stdio: ['ignore', 'ignore', 'pipe'] });
    const serial = join(dir, 'serial.out');
    const r = spawnSync(QEMU_BINARIES.x86_64, [
      '-machine', 'pc', '-cpu', QEMU_CPUS.x86_64, '-m', '64', '-display', 'none', '-nodefaults', '-no-reboot',
      '-serial', `file:${serial}`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-cdrom', iso,
    ], { timeout: 30_000 });   // a loader that refuses the kernel waits at its menu: killed, status null
    return { serial: existsSync(serial) ? readFileSync(serial, 'latin1') : '', status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

execFileSync('make', ['-s', '-C', GUESTS_DIR], { stdio: 'inherit' });

for (const [name, kernel] of [['longmode (linked where loaded)', join(BUILD_DIR_64, 'longmode.elf')], ['the x86-64 sample (higher half)', SAMPLE64]] as const) {
  for (const command of ['multiboot2', 'multiboot'] as const) {
    test(`GRUB's ${command} boots ${name} as qemu -kernel does`, { skip }, async () => {
      const want = await qemuReference(kernel, undefined, undefined, 'x86_64');
      assert.equal(want.status, 1, `qemu -kernel: status ${want.status}`);
      const got = bootWithGrub(kernel, command);
      assert.equal(firstDifference(want.serial, got.serial), null, `under GRUB ${command}`);
      assert.equal(got.status, 1);
    });
  }
}
