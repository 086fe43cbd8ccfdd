// The QEMU harness itself: serial output and the isa-debug-exit status come back, a run
// past its timeout is killed and flagged, a missing kernel is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQemu } from './run-qemu';

const GUESTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'guests');
execFileSync('make', ['-s', '-C', GUESTS], { stdio: 'inherit' });

test('a guest prints and exits through isa-debug-exit', async () => {
  const r = await runQemu(join(GUESTS, 'build', 'hello.elf'));
  assert.equal(r.timedOut, false);
  assert.equal(r.status, 1);                       // value 0 -> (0 << 1) | 1
  assert.equal(r.serial, 'hello from a guest\nmultiboot magic ok\nbswap 78563412\n');
});

test('arch x86_64 runs a 64-bit kernel under qemu-system-x86_64, which has long mode', async () => {
  const r = await runQemu(join(GUESTS, 'build', 'x86_64', 'longmode.elf'), { arch: 'x86_64' });
  assert.equal(r.timedOut, false);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.serial, /^multiboot magic ok\ncpuid 80000001 edx: lm=1 /);
  assert.match(r.serial, /\nefer lme=1 lma=1\n/);
});

test('a run past its timeout is killed and reported', async () => {
  const r = await runQemu(join(GUESTS, 'build', 'pitpic.elf'), { timeoutMs: 1 });
  assert.equal(r.timedOut, true);
});

test('a missing kernel is an error, not a status', async () => {
  await assert.rejects(runQemu(join(GUESTS, 'build', 'no-such-kernel.elf')), /kernel not found/);
});
