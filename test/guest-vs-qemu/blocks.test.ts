// Every guest kernel of the QEMU comparison (real mode, protected mode, paging in three forms,
// privilege changes, task switches, interrupts, faults) once more, with every entry point
// compiled on its first visit: serial output, stop and instruction count must equal the
// interpreter's. The kernels are short, so at the default threshold little of them would be
// compiled and the QEMU comparison alone would not reach the block compiler.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listGuests } from './guest-files';
import { runOnEmulator } from './run-emulator';
import { compileErrors } from '../../emulator/cpu/block-compiler';

const guests = listGuests();

test('guest kernels exist (make -C test/guests)', () => {
  assert.ok(guests.length >= 20, `only ${guests.length} guest kernels built`);
});

for (const g of guests) {
  test(`${g.name}: compiled on first visit, the same run as the interpreter`, () => {
    const ref = runOnEmulator(g.elfPath, 400_000_000, 2_000_000, 0);
    const jit = runOnEmulator(g.elfPath, 400_000_000, 2_000_000, 1);
    assert.equal(ref.error, undefined, ref.error);
    assert.equal(jit.error, undefined, jit.error);
    assert.equal(jit.serial, ref.serial);
    assert.deepEqual(jit.stop, ref.stop);
    assert.equal(jit.instructions, ref.instructions);
    assert.equal(compileErrors.count, 0, compileErrors.last);
  });
}
