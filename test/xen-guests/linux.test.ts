// Issue 16 point 4, as the user runs it: `paravirt run --mode pv vmlinuz --initrd initramfs
// --cmdline "console=hvc0"` (xl create with kernel=, ramdisk=, extra=) and the same with
// --mode pvh, on Debian's stock kernel and the busybox initramfs of test/linux: the console is
// hvc0 (the domain's console ring), /init prints its marker with the kernel release, and
// busybox's poweroff ends the domain (exit status 0): through SCHEDOP_shutdown in PV; in PVH by
// halting its only vCPU with interrupts off, which Xen answers by powering the domain off.
// The log on the way must be a correct one: the crypto self-tests silent and the W+X check
// passed (test/linux/boot-log.ts), as in HVM and under QEMU.
// PARAVIRT_LINUX_BOOT=0 skips the boots on a machine where they are too long.

import { test, before, type TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { buildAll, type Built } from '../cli/harness';
import { linuxFixture, type LinuxFixture } from '../linux/debian-kernel';
import { INIT_MARKER } from '../linux/initramfs';
import { bootLogProblems } from '../linux/boot-log';

const SKIP = process.env.PARAVIRT_LINUX_BOOT === '0' ? 'PARAVIRT_LINUX_BOOT=0: the Linux boots are skipped' : false;

let b: Built;
let fx: LinuxFixture | string;
before(async () => {
  b = await buildAll([]);
  try { fx = linuxFixture(); } catch (e) { fx = `Debian's kernel or busybox could not be fetched: ${(e as Error).message}`; }
});

function boot(mode: 'pv' | 'pvh', t: TestContext): void {
  // Only a fixture that cannot be fetched skips the boot, and says why.
  if (typeof fx === 'string') { t.skip(fx); return; }
  // The command issue 16 gives, as xl create's kernel=/ramdisk=/extra=: no budget flags (a
  // bzImage gets the Linux default budget), only the JSON summary to read the stop from.
  const run = spawnSync(process.execPath, [b.cli, 'run', '--mode', mode, fx.kernelPath, '--initrd', fx.initrdPath, '--cmdline', 'console=hvc0',
    '--summary', 'json'], { encoding: 'utf8', timeout: 3_500_000, cwd: b.dir, maxBuffer: 64 << 20 });
  const out = run.stdout ?? '';
  const summaryLine = out.split(/\r?\n/).reverse().find((l) => l.startsWith('{"kernel"'));
  const summary = summaryLine ? JSON.parse(summaryLine) as { stop: { kind: string; code: number; detail?: string }; hypercalls?: Record<string, number> } : null;
  const consoleTail = out.slice(-2500);
  const line = out.split(/\r?\n/).find((l) => l.startsWith(INIT_MARKER));
  assert.ok(line, `${mode}: no marker; status ${run.status}, stop ${JSON.stringify(summary?.stop)}; console:\n${consoleTail}\n${run.stderr}`);
  assert.ok(fx.kernelPackage.startsWith(`linux-image-${line.slice(INIT_MARKER.length).trim()}`), line);
  assert.equal(summary?.stop.kind, 'shutdown', JSON.stringify(summary?.stop));
  assert.deepEqual(bootLogProblems(out), [], `${mode}: the boot log shows corruption or a W+X mapping`);
  if (mode === 'pv') {
    // Linux PV powers off by SCHEDOP_shutdown (xen_reboot(SHUTDOWN_poweroff)).
    assert.match(summary?.stop.detail ?? '', /^sched_op shutdown: poweroff$/);
    assert.ok((summary?.hypercalls?.sched_op ?? 0) > 0);
  } else {
    // A PVH Linux has no Xen power-off of its own and our ACPI tables (like libxl's) no S5: it
    // ends with "reboot: System halted" (CLI; HLT), and Xen powers off a domain whose vCPUs are all down.
    assert.match(out, /reboot: System halted/);
    // Its grant frames go above 4 GiB (add_to_physmap into unpopulated space), as on Xen.
    assert.match(out, /Grant table initialized/);
    assert.match(summary?.stop.detail ?? '', /^all vCPUs down \(HLT with interrupts disabled at [0-9a-f:]+\): poweroff$/);
  }
  assert.equal(run.status, 0);
}

test('paravirt run --mode pv boots Debian\'s kernel as a 64-bit PV guest to /init on hvc0 and powers off through sched_op', {
  skip: SKIP, timeout: 3_600_000,
}, (t) => boot('pv', t));

test('paravirt run --mode pvh boots Debian\'s kernel as a PVH guest to /init on hvc0 and powers off (its vCPU halted, Xen powers the domain off)', {
  skip: SKIP, timeout: 3_600_000,
}, (t) => boot('pvh', t));
