// Issue 15 point 9, as the user runs it: `paravirt run vmlinuz --initrd initramfs --cmdline
// "console=ttyS0 panic=-1"` on Debian's stock kernel must reach the busybox /init, which prints
// its marker with the kernel release and powers off (ACPI S5: exit status 0), after a correct
// log: the crypto self-tests silent and the W+X check passed (boot-log.ts; PV and PVH are held
// to the same in test/xen-guests/linux.test.ts).
// The whole boot takes about 6.15e9 instructions: with 64-bit code compiled into blocks that is
// about 90 s of wall time here (QEMU TCG 5-17 s; it was 716 s with 64-bit code interpreted).
// PARAVIRT_LINUX_BOOT=0 skips it on a machine where that is too long (`npm run bench` reports
// the same boot beside QEMU's time to the marker).

import { test, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { buildAll, paravirt, type Built } from '../cli/harness';
import { linuxFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';
import { bootLogProblems } from './boot-log';

let b: Built;
before(async () => { b = await buildAll([]); });

test('paravirt run on Debian\'s kernel: without --memory it gets enough RAM; with too little it says so', () => {
  const fx = linuxFixture();
  const ok = paravirt(b, ['run', fx.kernelPath, '--initrd', fx.initrdPath, '--cmdline', fx.cmdline, '--max-instructions', '1000', '--summary', 'json']);
  assert.notEqual(ok.status, 2, ok.stderr);
  const small = paravirt(b, ['run', fx.kernelPath, '--initrd', fx.initrdPath, '--memory', '64']);
  assert.equal(small.status, 2);
  assert.match(small.stderr, /needs RAM up to 0x[0-9a-f]+ \(80 MiB: it decompresses at 0x1000000 into init_size .*\), more than the guest's 64 MiB; give the machine more memory \(--memory\)/);
});

test('paravirt run boots Debian\'s kernel to the busybox /init and powers off', {
  skip: process.env.PARAVIRT_LINUX_BOOT === '0' ? 'PARAVIRT_LINUX_BOOT=0: the boot (about 6.15e9 instructions) is skipped' : false,
  timeout: 3_600_000,
}, () => {
  const fx = linuxFixture();
  // The command as the issue writes it: no --memory (a Linux kernel gets 256 MiB by default).
  const run = spawnSync(process.execPath, [b.cli, 'run', fx.kernelPath, '--initrd', fx.initrdPath, '--cmdline', fx.cmdline,
    '--max-time', '120', '--max-instructions', '20G', '--summary', 'json'], { encoding: 'utf8', timeout: 3_500_000, cwd: b.dir, maxBuffer: 64 << 20 });
  const r = { status: run.status, stdout: run.stdout, stderr: run.stderr };
  const line = r.stdout.split(/\r?\n/).find((l) => l.startsWith(INIT_MARKER));
  assert.ok(line, `no marker; the run ended with status ${r.status}: ${r.stdout.slice(-1500)}${r.stderr}`);
  assert.ok(fx.kernelPackage.startsWith(`linux-image-${line.slice(INIT_MARKER.length).trim()}`));
  assert.equal(r.status, 0, 'powered off through ACPI S5');
  assert.deepEqual(bootLogProblems(r.stdout), [], 'the boot log shows corruption or a W+X mapping');
});
