// The real-code bench guests (bench/guests/real) built for x86-64, one trip each: under
// qemu-system-x86_64 and under our emulator they print the same serial bytes ('S', 'E', the
// checksum) and exit alike, and their checksum is the 32-bit build's (under qemu-system-i386)
// except bootmix's, which sums the 64-bit code it generates. The bench times them
// (`npm run bench`); this checks only that what it times computes the right thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReal, REAL_WORKLOADS } from '../../bench/build-guests';
import { firstDifference } from './compare';
import { qemuReference } from './qemu-cache';
import { describeStop, runOnEmulator } from './run-emulator';

/** The four checksum bytes after 'S' 'E'. */
function checksumOf(serial: string): string {
  assert.match(serial, /^SE[\s\S]{4}$/, `serial ${JSON.stringify(serial)} is not the bench protocol`);
  return Buffer.from(serial.slice(2), 'latin1').toString('hex');
}

for (const workload of REAL_WORKLOADS) {
  test(`real-code ${workload}, x86-64 build: ours prints what qemu-system-x86_64 prints`, async () => {
    const elf64 = buildReal(workload, 1, 'x86_64');
    const want = await qemuReference(elf64, 120_000, undefined, 'x86_64');
    assert.equal(want.status, 1, `qemu-system-x86_64: status ${want.status}, serial ${JSON.stringify(want.serial)}`);
    const sum64 = checksumOf(want.serial);
    if (workload !== 'bootmix') {
      const want32 = await qemuReference(buildReal(workload, 1, 'i386'), 120_000);
      assert.equal(want32.status, 1);
      assert.equal(sum64, checksumOf(want32.serial), 'the 64-bit build computes what the 32-bit build computes');
    }
    const got = runOnEmulator(elf64);
    assert.equal(got.error, undefined, got.error);
    assert.equal(firstDifference(want.serial, got.serial), null, `ours stopped with ${describeStop(got.stop)}`);
    assert.equal(got.status, want.status, `ours stopped with ${describeStop(got.stop)}`);
  });
}
