// The kernel the symbol tests debug is Debian's cloud-amd64 flavour (the smallest whose debug
// package has Xen PV and PVH on): it must boot in HVM as the amd64 one does
// (paravirt-linux.test.ts), `paravirt run` to the busybox /init and an ACPI power-off.
// PARAVIRT_LINUX_BOOT=0 skips it as it skips the other boots.

import { test, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { buildAll, type Built } from '../cli/harness';
import { cloudFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';

const fx = cloudFixture();
let b: Built;
before(async () => { if (typeof fx !== 'string' && process.env.PARAVIRT_LINUX_BOOT !== '0') b = await buildAll([]); });

test('paravirt run boots Debian\'s cloud kernel to the busybox /init and powers off', {
  skip: typeof fx === 'string' ? fx : process.env.PARAVIRT_LINUX_BOOT === '0' ? 'PARAVIRT_LINUX_BOOT=0: the boot is skipped' : false,
  timeout: 3_600_000,
}, () => {
  if (typeof fx === 'string') return;
  const run = spawnSync(process.execPath, [b.cli, 'run', fx.kernelPath, '--initrd', fx.initrdPath, '--cmdline', fx.cmdline,
    '--max-time', '120', '--max-instructions', '20G', '--summary', 'json'], { encoding: 'utf8', timeout: 3_500_000, cwd: b.dir, maxBuffer: 64 << 20 });
  const line = run.stdout.split(/\r?\n/).find((l) => l.startsWith(INIT_MARKER));
  assert.ok(line, `no marker; the run ended with status ${run.status}: ${run.stdout.slice(-1500)}${run.stderr}`);
  // The marker carries uname -r: the cloud flavour's release, the package the symbols come from.
  const release = line.slice(INIT_MARKER.length).trim();
  assert.match(release, /-cloud-amd64$/);
  assert.ok(fx.kernelPackage.startsWith(`linux-image-${release}`), `${fx.kernelPackage} is ${release}`);
  assert.ok(fx.debugPackage.startsWith(`linux-image-${release}-dbg`), `${fx.debugPackage} is ${release}'s debug package`);
  assert.equal(run.status, 0, 'powered off through ACPI S5');
});
