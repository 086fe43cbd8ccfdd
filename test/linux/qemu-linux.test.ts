// The stock-kernel fixture is sound: Debian's linux-image-*-amd64 with the busybox initramfs
// built by initramfs.ts boots under qemu-system-x86_64 TCG to /init, which prints its marker
// and powers the machine off. This is the reference run `paravirt run` is measured against.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linuxFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';
import { hasQemuX86_64, runLinuxUnderQemu } from './qemu-linux';

test('Debian\'s kernel reaches the busybox /init under QEMU TCG and powers off', { skip: hasQemuX86_64 ? false : 'qemu-system-x86_64 is not installed', timeout: 300_000 }, async () => {
  const fx = linuxFixture();
  const run = await runLinuxUnderQemu(fx, { timeoutMs: 240_000 });
  assert.equal(run.timedOut, false, `QEMU did not finish; the console ended with:\n${run.serial.slice(-2000)}`);
  assert.ok(run.serial.includes('Linux version 6.'), 'the kernel printed its banner on ttyS0');
  const line = run.serial.split(/\r?\n/).find((l) => l.startsWith(INIT_MARKER));
  assert.ok(line, `no marker line on the console:\n${run.serial.slice(-2000)}\n${run.stderr}`);
  // /init ran `uname -r` inside the guest: the release must be the packaged kernel's.
  const release = line.slice(INIT_MARKER.length).trim();
  assert.ok(fx.kernelPackage.startsWith(`linux-image-${release}`), `uname -r said '${release}', the package is ${fx.kernelPackage}`);
  assert.ok(run.serial.includes('reboot: Power down'), 'the kernel powered off after /init');
  assert.equal(run.status, 0);
});
